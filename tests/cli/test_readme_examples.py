"""The README's "Everyday use" examples run verbatim, in order, on a new demo store (issue 18).

The ```sh blocks of that section are joined into one bash script (the exports and shell
variables of one block are used by the next, as when a person types them in one shell) run with
``set -e`` and an ERR trap that names the failing line. Lines marked ``# fails on purpose`` are
left out. The temp folder stands in for a checkout: ``.venv`` points at the running
interpreter's environment, so ``source .venv/bin/activate`` puts this ``clearterm`` on PATH.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Everyday use"
SKIP_MARK = "# fails on purpose"
#: README lines whose output the slow test reads: framed by marker lines in the script.
SHOWN = ("clearterm queue --state ",)


def everyday_section(text: str) -> str:
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:] if end < 0 else text[start:end]


def sh_blocks(section: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", section, flags=re.S | re.M)


def _framed(line: str) -> list[str]:
    if not line.startswith(SHOWN):
        return [line]
    return [f"echo '>>> {line}'", line, f"echo '<<< {line}'"]


def shown_output(stdout: str, prefix: str) -> str:
    """What the README line starting with ``prefix`` printed on stdout."""
    m = re.search(rf"^>>> {re.escape(prefix)}.*?\n(.*?)^<<< ", stdout, flags=re.S | re.M)
    assert m, f"no output framed for {prefix!r}"
    return m.group(1)


def readme_script() -> str:
    lines = [out for block in sh_blocks(everyday_section(README.read_text(encoding="utf-8")))
             for ln in block.splitlines() if SKIP_MARK not in ln for out in _framed(ln)]
    head = ["set -eE", "trap 'echo \"README line failed (exit $?): $BASH_COMMAND\" >&2' ERR"]
    return "\n".join(head + lines) + "\n"


def test_section_is_self_contained():
    """No example needs a store or key the reader does not have (cheap: no commands run)."""
    section = everyday_section(README.read_text(encoding="utf-8"))
    code = "\n".join(sh_blocks(section))
    assert len(sh_blocks(section)) >= 6
    assert "office.db" not in code and "clearterm --db" not in code
    assert code.index("clearterm demo --dir demo --no-review") < code.index("export CLEARTERM_DB=demo/demo.db")
    assert "source .venv/bin/activate" in code and 'export PATH="$PWD/.venv/bin:$PATH"' in code
    assert code.index("clearterm keys demo --out demo-keys") < min(
        code.index("demo-keys/demo-signer.p12"), code.index("demo-keys/demo-ca.pem"))
    for needed in ("ingest ", "quarantine", "evaluate", "stats", "explain ", "export decisions", "queue",
                   "decide --approve --all-matching", "--dry-run", "batch create", "batch sign", "batch verify",
                   "batch file", "ruling ", "rulings import", "docket", "research", "letters ", "report ",
                   "export public"):
        assert needed in code, needed
    assert "templates/documents/office.toml" in section
    subprocess.run(["bash", "-n"], input=readme_script(), text=True, check=True)


def _checkout(tmp_path: Path) -> Path:
    """A folder standing in for the checkout, with ``.venv`` the running environment."""
    work = tmp_path / "checkout"
    work.mkdir()
    if sys.prefix != sys.base_prefix:
        (work / ".venv").symlink_to(sys.prefix, target_is_directory=True)
    else:  # not in a venv: an activate that puts this interpreter's bin first
        bin_dir = work / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "activate").write_text(f'export PATH="{Path(sys.executable).parent}:$PATH"\n')
    return work


@pytest.mark.slow
def test_readme_everyday_examples_run_verbatim(tmp_path):
    work = _checkout(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARTERM_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    proc = subprocess.run(["bash"], input=readme_script(), cwd=work, env=env, text=True,
                          capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the flow really happened: a verified signed batch, letters, notices and a rulings file applied
    assert "OK: batch B-" in proc.stdout
    assert "applied 2" in proc.stdout
    assert list((work / "mail").glob("*-granted-letters.pdf"))
    assert list((work / "notices").glob("*.pdf"))
    assert (work / "public.db").exists() and (work / "research.csv").exists()
    # the last example shows the cases it is about (it once printed "no case matches")
    queued = shown_output(proc.stdout, "clearterm queue --state ")
    assert "no case matches" not in queued
    assert re.search(r"\b\d{2}CR\d{5,}\b", queued), queued
