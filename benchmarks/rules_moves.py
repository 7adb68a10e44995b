"""What moves between two rules versions on the real CCSAO extracts, record by record.

    python benchmarks/rules_moves.py --baseline DIR [--out docs/rules-moves-1.1-to-2.md]

``DIR`` is a checkout of the earlier code (for rules 1.1: ``git worktree add --detach DIR a56c366``).
Each code ingests and evaluates the three extracts of ``../shared/realdata`` in its own process
(with its own ``clearterm`` on PYTHONPATH), and the report lists, per file, the counts by category
and deciding reason under each version, and every record whose category or deciding reason moved,
grouped by move. Record ids are the extracts' own opaque ids (no names, dates of birth or
addresses are in these files). ``tests/test_rules_realdata.py`` checks the report against the
current code: every move it lists, and the current counts it states.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REALDATA = REPO.parent / "shared" / "realdata"
FILES = ("cook_sao_dispositions_2019_subset.csv", "cook_sao_sentencing_2019_full.csv", "cook_sao_diversion_subset.csv")

_CHILD = r"""
import json, sys
from datetime import date
from pathlib import Path
from clearterm.domain.decision import RULES_VERSION
from clearterm.domain.policy import Policy
from clearterm.services.evaluate import evaluate_store
from clearterm.ingest import ingest_file
from clearterm.storage import open_store
out = {"version": RULES_VERSION, "files": {}}
for name in sys.argv[2:]:
    store = open_store(Path(sys.argv[1]) / (Path(name).stem + ".db"))
    ingest_file(store, Path(name), today=date(2026, 11, 21))
    evaluate_store(store, Policy(), date(2026, 11, 21))
    rows = store.conn.execute(
        "SELECT d.record_id, d.category, d.reasons FROM decision_current c JOIN decisions d ON d.id = c.decision_id"
    ).fetchall()
    out["files"][Path(name).name] = {rid: [cat, reasons.split(";")[0]] for rid, cat, reasons in rows}
print(json.dumps(out))
"""


def decisions_with(code_dir: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        env = {**os.environ, "PYTHONPATH": str(code_dir)}
        done = subprocess.run([sys.executable, "-c", _CHILD, tmp, *(str(REALDATA / f) for f in FILES)],
                              env=env, cwd=tmp, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def report(old: dict, new: dict) -> str:
    lines = [f"# What moves from rules {old['version']} to rules {new['version']} on the real extracts", "",
             "Made by `python benchmarks/rules_moves.py --baseline DIR` (DIR: a checkout of the rules "
             f"{old['version']} code); checked by `tests/test_rules_realdata.py`. Policy: the defaults; as of "
             "2026-11-21. A move is a change of category or deciding reason.", ""]
    for name in FILES:
        o, n = old["files"][name], new["files"][name]
        assert set(o) == set(n), name
        lines += [f"## {name}", "", f"| category, deciding reason | rules {old['version']} | rules {new['version']} |",
                  "|---|---:|---:|"]
        co, cn = Counter(map(tuple, o.values())), Counter(map(tuple, n.values()))
        for key in sorted(set(co) | set(cn)):
            lines.append(f"| {key[0]}, {key[1]} | {co[key]} | {cn[key]} |")
        moves: dict[tuple, list[str]] = defaultdict(list)
        for rid in sorted(o):
            if tuple(o[rid]) != tuple(n[rid]):
                moves[(tuple(o[rid]), tuple(n[rid]))].append(rid)
        total = sum(len(v) for v in moves.values())
        lines += ["", f"{total} of {len(o)} records move.", ""]
        for (frm, to), rids in sorted(moves.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"### {frm[0]} {frm[1]} -> {to[0]} {to[1]} ({len(rids)})")
            lines.append("")
            lines.append("```")
            lines += [f"{name} {rid} {frm[0]} {frm[1]} -> {to[0]} {to[1]}" for rid in rids]
            lines.append("```")
            lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="checkout of the earlier rules code")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "rules-moves-1.1-to-2.md")
    a = ap.parse_args()
    text = report(decisions_with(a.baseline.resolve()), decisions_with(REPO))
    a.out.write_text(text, "utf-8")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
