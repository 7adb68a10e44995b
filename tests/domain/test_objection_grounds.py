"""Objection grounds (issue 14): clearterm.domain.deadlines.OBJECTION_GROUNDS drives the
workstation's keys 1..N, its dialog, the CLI's help, the review service's checks and the
documents' labels; a ground without its label is refused when the templates load.

Nothing here counts the grounds by hand: every expectation is read from the tuple, and the
"added ground" tests put a ground in to see that each place follows.
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
from datetime import date

import pytest
from textual.app import App
from textual.widgets import OptionList

from clearterm.cli import review as cli_review
from clearterm.documents import templates as tpl
from clearterm.documents.templates import TemplateError, Templates, ground_label_key
from clearterm.domain import deadlines
from clearterm.domain.deadlines import OBJECTION_GROUNDS, ObjectionGround
from clearterm.services import review
from clearterm.tui import bindings, render
from clearterm.tui.screens.dialogs import ObjectionDialog

KEYS = [g.key for g in OBJECTION_GROUNDS]
ADDED = ObjectionGround("new_ground", "A ground added to the tuple")


def ground_bindings(bs) -> list:
    return [b for b in bs if b.action.startswith("ground(")]


# -- labels ------------------------------------------------------------------------------------

def test_every_ground_has_its_label_in_the_shipped_templates():
    labels = Templates().labels
    for g in OBJECTION_GROUNDS:
        assert labels.get(ground_label_key(g.key), "").strip(), g.key
    # and no label for a ground that is not offered (a renamed key leaves none behind)
    stale = {k for k in labels if k.startswith("ground_")} - {ground_label_key(k) for k in KEYS}
    assert not stale


@pytest.mark.parametrize("key", KEYS)
def test_missing_ground_label_is_refused_when_templates_load(tmp_path, key):
    tdir = tmp_path / "tpl"
    shutil.copytree(Templates().directory, tdir)
    labels = tdir / "labels.toml"
    lines = labels.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [ln for ln in lines if not ln.startswith(f"{ground_label_key(key)} ")]
    assert len(kept) == len(lines) - 1
    labels.write_text("".join(kept), encoding="utf-8")
    with pytest.raises(TemplateError) as exc:
        Templates(tdir)
    msg = str(exc.value)
    assert "\n" not in msg and f"missing label '{ground_label_key(key)}'" in msg and "labels.toml" in msg


def test_added_ground_without_label_is_refused_when_templates_load(monkeypatch):
    monkeypatch.setattr(tpl, "OBJECTION_GROUNDS", (*OBJECTION_GROUNDS, ADDED))
    with pytest.raises(TemplateError, match="missing label 'ground_new_ground'"):
        Templates()


def test_sign_batch_reports_a_missing_ground_label_as_one_line(tmp_path, monkeypatch):
    """Before: the missing label surfaced as a raw TemplateError, and only for an objected case."""
    from clearterm.services import batches
    from clearterm.storage import open_store

    monkeypatch.setattr(tpl, "OBJECTION_GROUNDS", (*OBJECTION_GROUNDS, ADDED))
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(batches.BatchError, match="missing label 'ground_new_ground'") as exc:
            batches.sign_batch(store, 1, signer="x", p12_path=tmp_path / "k.p12", passphrase="",
                               out_dir=tmp_path / "out")
    assert "\n" not in str(exc.value) and not (tmp_path / "out").exists()


# -- workstation bindings and dialog -----------------------------------------------------------

def test_bindings_offer_exactly_the_grounds():
    bs = ground_bindings(bindings.OBJECTION)
    assert [b.key for b in bs] == [str(n) for n in range(1, len(OBJECTION_GROUNDS) + 1)]
    assert [b.action for b in bs] == [f"ground({n})" for n in range(1, len(OBJECTION_GROUNDS) + 1)]
    assert [b.tooltip.split(": ", 1)[1] for b in bs] == KEYS
    assert len({b.id for b in bs}) == len(bs)
    assert len(OBJECTION_GROUNDS) <= 9  # one digit key each


def test_bindings_follow_an_added_ground(monkeypatch):
    monkeypatch.setattr(deadlines, "OBJECTION_GROUNDS", (*OBJECTION_GROUNDS, ADDED))
    try:
        added = importlib.reload(bindings)
        bs = ground_bindings(added.OBJECTION)
        n = len(OBJECTION_GROUNDS) + 1
        assert [b.key for b in bs] == [str(i) for i in range(1, n + 1)] and bs[-1].tooltip.endswith("new_ground")
        assert added.GROUND_KEYS_RANGE == f"1-{n}"
        assert f"ground 1-{n}" in next(b for b in added.ACTIONS if b.id == "object").tooltip
    finally:
        monkeypatch.undo()
        importlib.reload(bindings)
    assert len(ground_bindings(bindings.OBJECTION)) == len(OBJECTION_GROUNDS)


class _DialogApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.result = "open"

    def on_mount(self) -> None:
        self.push_screen(ObjectionDialog("14CR2/P3", served="2026-10-01", today=date(2026, 11, 21)),
                         callback=lambda r: setattr(self, "result", r))


def test_dialog_offers_exactly_the_grounds_and_each_key_picks_one():
    async def main():
        app = _DialogApp()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            dlg = app.screen
            ids = [dlg.query_one("#grounds", OptionList).get_option_at_index(i).id
                   for i in range(dlg.query_one("#grounds", OptionList).option_count)]
            prompt = [dlg.query_one("#grounds", OptionList).border_title]
            picked = []
            for n in range(1, len(OBJECTION_GROUNDS) + 1):
                dlg.query_one("#grounds", OptionList).focus()
                await pilot.press(str(n))
                await pilot.pause()
                picked.append(dlg.ground)
            # the last ground picked; refused without its supporting facts (every ground)
            await pilot.press("ctrl+s")
            await pilot.pause()
            error = str(dlg.query_one("#dialog-error").render())
            return ids, prompt, picked, error, app.result

    ids, prompt, picked, error, result = asyncio.run(main())
    assert ids == KEYS and picked == KEYS
    assert prompt == [f"Ground (press 1-{len(OBJECTION_GROUNDS)})"]
    assert "needs its supporting facts" in error and result == "open"


# -- CLI help, review service, render ------------------------------------------------------------

def test_cli_help_lists_every_ground():
    text = cli_review._object_help()
    for g in OBJECTION_GROUNDS:
        assert g.key in text
    assert "--note FACTS is required for every ground" in text


def test_cli_help_follows_an_added_ground(monkeypatch):
    monkeypatch.setattr(cli_review, "OBJECTION_GROUNDS", (*OBJECTION_GROUNDS, ADDED))
    assert " or new_ground;" in cli_review._object_help()


def test_review_service_and_render_read_the_grounds():
    assert review.GROUND_KEYS == tuple(KEYS)
    assert render.GROUND_TEXT == {g.key: g.text for g in OBJECTION_GROUNDS}
