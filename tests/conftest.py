"""Shared fixtures. The tests live in folders by layer (domain/, storage/, ingest/, services/,
documents/, tui/, cli/, devtools/); a few test modules build stores other layers' tests reuse
(test_reviews, test_batches, test_tui), so every layer folder is importable by module name."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import pytest

from clearterm.storage import open_store

REPO = Path(__file__).resolve().parents[1]
for _layer in sorted(p for p in Path(__file__).resolve().parent.iterdir()
                     if p.is_dir() and (p / "__init__.py").exists() is False and p.name.isidentifier()
                     and any(p.glob("test_*.py"))):
    if str(_layer) not in sys.path:
        sys.path.append(str(_layer))
REALDATA = REPO.parent / "shared" / "realdata"
DISPOSITIONS = REALDATA / "cook_sao_dispositions_2019_subset.csv"
SENTENCING = REALDATA / "cook_sao_sentencing_2019_full.csv"
DIVERSION = REALDATA / "cook_sao_diversion_subset.csv"
TODAY = date(2026, 11, 21)


@pytest.fixture
def realdata() -> Path:
    if not DISPOSITIONS.exists():
        if os.environ.get("CI"):
            pytest.fail(f"real data missing at {REALDATA}: CI must have ../shared beside the checkout")
        pytest.skip(f"real data not found at {REALDATA}")
    return REALDATA


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "store.db")
    yield s
    s.close()


# -- users and the login ------------------------------------------------------------------------------
#: The login every test that uses the ``login`` fixture runs as (never "under sudo").
LOGIN = "tester"
#: The administrator :func:`add_users` bootstraps in a store that has no users yet.
SETUP_ADMIN = "setup-admin"


@pytest.fixture
def login(monkeypatch) -> str:
    """Run as the login ``tester``: getpass reads LOGNAME/USER; no SUDO_* (not the SSH/sudo path)."""
    monkeypatch.setenv("LOGNAME", LOGIN)
    monkeypatch.setenv("USER", LOGIN)
    monkeypatch.delenv("SUDO_USER", raising=False)
    monkeypatch.delenv("SUDO_UID", raising=False)
    return LOGIN


def add_users(db, users: dict[str, tuple[str, ...] | list[str]]) -> None:
    """Add ``{name: roles}`` to the store at ``db`` (creating it if needed), as clearterm users.

    A store without users first gets the admin ``setup-admin`` (the audited bootstrap), who
    adds the others, so each user has exactly the roles given.
    """
    from clearterm.services import access

    with open_store(db) as s:
        if not access.has_users(s.conn):
            access.add_user(s, SETUP_ADMIN, ["admin"], actor=SETUP_ADMIN)
        for name, roles in users.items():
            if access.get_user(s.conn, name) is None:
                access.add_user(s, name, roles, actor=SETUP_ADMIN)
            else:
                missing = set(roles) - access.user_roles(s.conn, name)
                if missing:
                    access.change_roles(s, name, grant=sorted(missing), actor=SETUP_ADMIN)


def write_canonical_csv(path, rows) -> None:
    """Write ``rows`` (dicts of canonical field -> text; missing fields blank) as a canonical CSV.

    For large generated inputs: no quoting, so values must not contain commas or quotes."""
    from clearterm.domain.record import CANONICAL_FIELDS

    with open(path, "w", encoding="utf-8") as fh:
        fh.write(",".join(CANONICAL_FIELDS) + "\n")
        for row in rows:
            fh.write(",".join(row.get(f, "") for f in CANONICAL_FIELDS) + "\n")


# -- the office block every signed batch needs (issue 16) ---------------------------------------------
#: The test office's contact block: ``batch sign`` refuses an office without phone, e-mail and
#: attorney code, and the shipped ``office.toml`` leaves them empty for each office to fill in.
TEST_OFFICE = {"phone": "(312) 555-0100", "email": "crta-unit@example.org", "attorney_code": "99999"}


def filled_templates(directory: Path, office: dict | None = None) -> Path:
    """A copy of the shipped document templates in ``directory`` with the office block filled in."""
    import shutil

    from clearterm.documents.templates import shipped_dir

    shutil.copytree(shipped_dir(), directory, dirs_exist_ok=True)
    path = directory / "office.toml"
    text = path.read_text(encoding="utf-8")
    for key, value in (TEST_OFFICE if office is None else office).items():
        text = text.replace(f'{key} = ""', f'{key} = "{value}"')
    path.write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="session", autouse=True)
def office_templates(tmp_path_factory) -> Path:
    """Every test signs with the test office (``$CLEARTERM_TEMPLATES_DIR``, set for the whole
    session so module fixtures see it too) unless it sets its own."""
    tdir = filled_templates(tmp_path_factory.mktemp("office-templates") / "documents")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLEARTERM_TEMPLATES_DIR", str(tdir))
        yield tdir
