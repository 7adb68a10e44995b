"""The layers (issue 14): who may import whom, where Textual lives, and where SQL is written.

- ``clearterm.domain`` imports no other clearterm layer (pure dataclasses and rules, no I/O);
- ``clearterm.storage`` imports only the domain, ``clearterm.documents`` only the domain, and
  neither reads the environment (the outer layers pass settings in);
- Textual is imported under ``clearterm/tui`` only, and the headless modules never load it;
- no SQL string literal outside ``clearterm/storage``.
"""

from __future__ import annotations

import ast
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import clearterm

PACKAGE = Path(clearterm.__file__).parent
LAYERS = ("domain", "storage", "ingest", "services", "documents", "tui", "cli", "devtools", "settings")

HEADLESS = ("clearterm.domain", "clearterm.storage", "clearterm.ingest", "clearterm.devtools.synth",
            "clearterm.documents", "clearterm.services.evaluate", "clearterm.services.bulk", "clearterm.services.review",
            "clearterm.services.batches", "clearterm.services.access", "clearterm.services.anchors")


def headless_modules() -> list[str]:
    names = []
    for m in pkgutil.walk_packages(clearterm.__path__, "clearterm."):
        if m.name.startswith(HEADLESS):
            names.append(m.name)
    return names


def test_there_are_headless_modules_to_check():
    names = headless_modules()
    assert "clearterm.domain.record" in names
    assert "clearterm.storage.store" in names
    assert "clearterm.ingest.pipeline" in names
    assert {"clearterm.services.evaluate", "clearterm.services.bulk", "clearterm.services.review", "clearterm.documents.render",
            "clearterm.services.batches", "clearterm.services.access"} <= set(names)


def test_headless_modules_never_import_textual():
    names = headless_modules()
    code = (
        "import importlib, sys\n"
        f"for n in {names!r}:\n"
        "    importlib.import_module(n)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'clearterm.tui')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"headless modules imported: {out.stdout.strip()}"


# -- static checks over the source ----------------------------------------------------------------------
def _files(under: str = "") -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports (relative imports resolved), at any depth (lazy ones too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)  # ``from clearterm import settings``
    return out


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "clearterm" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in LAYERS else None


def _violations(layer: str, allowed: set[str]) -> list[str]:
    bad = []
    for path in _files(layer):
        for mod in sorted(_imports(path)):
            other = _layer_of(mod)
            if other is not None and other != layer and other not in allowed:
                bad.append(f"{_rel(path)} imports {mod}")
    return bad


def test_layer_checks_see_imports():
    """The import scanner finds absolute, relative, lazy and ``from package import module`` imports."""
    assert "clearterm.storage.records" in _imports(PACKAGE / "services" / "evaluate.py")
    assert any(_layer_of(m) == "domain" for m in _imports(PACKAGE / "storage" / "records.py"))
    assert "clearterm.settings" in _imports(PACKAGE / "services" / "access.py")
    assert "clearterm.tui" in _imports(PACKAGE / "cli" / "tui.py")  # imported inside a function


def test_domain_imports_no_other_layer():
    assert _violations("domain", set()) == []


def test_storage_imports_only_domain():
    assert _violations("storage", {"domain"}) == []


def test_documents_import_only_domain():
    assert _violations("documents", {"domain"}) == []


_ENVIRON = re.compile(r"\bos\.(environ|getenv|putenv)\b|\bgetenv\(")


def test_storage_and_documents_never_read_the_environment():
    """Settings come from clearterm.settings, read by the outer layers and passed in."""
    bad = [f"{_rel(p)}:{n}" for layer in ("domain", "storage", "documents") for p in _files(layer)
           for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if _ENVIRON.search(line)]
    assert bad == []


def test_textual_only_under_tui():
    bad = [f"{_rel(p)} imports {m}" for p in _files() if not _rel(p).startswith("clearterm/tui/")
           for m in _imports(p) if m == "textual" or m.startswith("textual.")]
    assert bad == []


# -- SQL lives in clearterm/storage -------------------------------------------------------------------
# A statement: a verb and, later in the same string, the word that completes it (upper case, as
# every statement in clearterm is written; prose in help texts and messages is not).
_SQL = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|WITH)\b[\s\S]*?"
    r"\b(?:FROM|INTO|SET|TABLE|INDEX|VIEW|TRIGGER|VALUES|AS)\b"
    r"|\bPRAGMA\s+\w+"
    r"|^\s*(?:BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|ATTACH|DETACH|VACUUM|ANALYZE)\b"
    r"|\b(?:WHERE|JOIN)\b[^.;]*?(?:\?|\b\w+\.\w+\s*=)"
)

#: String constants outside storage/ that may look like SQL: (file, first characters). Keep short.
SQL_ALLOWED: set[tuple[str, str]] = set()


def _sql_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and _SQL.search(node.value)]


def test_the_sql_scan_finds_sql_and_not_prose():
    samples = {
        "SELECT count(*) FROM records": True,
        "INSERT OR IGNORE INTO policies (hash) VALUES (?)": True,
        "UPDATE users SET disabled = ? WHERE name = ?": True,
        "PRAGMA foreign_keys=OFF": True,
        "BEGIN IMMEDIATE": True,
        " WHERE c.track = ? AND s.status = ?": True,
        "ATTACH DATABASE ? AS ": True,
        "select the cases to review from the queue": False,
        "Decide the case (approve, object, exclude, defer) and move on": False,
        "WITH PREJUDICE": False,
        "run 'clearterm batch rebuild 7' to refresh it": False,
    }
    assert {s: bool(_SQL.search(s)) for s in samples} == samples


def test_no_sql_outside_storage():
    found = []
    for path in _files():
        rel = _rel(path)
        if rel.startswith("clearterm/storage/"):
            continue
        for line, text in _sql_constants(path):
            if (rel, text[:40]) not in SQL_ALLOWED:
                found.append(f"{rel}:{line}: {text[:60]!r}")
    assert found == [], "SQL outside clearterm/storage:\n" + "\n".join(found)


def test_no_function_is_over_80_lines():
    """Issue 14: every function of the package fits on a screen and a half (80 lines); data tables
    are module constants, not functions, so none is exempt."""

    root = Path(clearterm.__file__).resolve().parent
    long = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > 80:
                    long.append(f"{path.relative_to(root)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, long
