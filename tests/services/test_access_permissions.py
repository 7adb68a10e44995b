"""The store's file and directory permissions: created private, refused when exposed, repaired on request.

The checks look at mode bits only (root can read anything whatever they say).
"""

from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from clearterm.cli.main import app
from clearterm.storage import open_store
from clearterm.storage.store import StoreError, fix_permissions, insecure_permissions, permission_warnings

runner = CliRunner()


def mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def cli(db, *args):
    r = runner.invoke(app, ["--db", str(db), *args])
    return r.exit_code, " ".join(((r.stdout or "") + (r.stderr or "")).split())


def test_new_store_is_0600_in_a_new_0700_directory(tmp_path):
    db = tmp_path / "new" / "dir" / "s.db"
    open_store(db).close()
    assert mode(db) == 0o600
    assert mode(db.parent) == 0o700
    # WAL companions that SQLite left behind carry the store's mode
    for suffix in ("-wal", "-shm"):
        q = db.with_name(db.name + suffix)
        if q.exists():
            assert mode(q) & 0o077 == 0


@pytest.mark.parametrize("file_mode", [0o640, 0o604, 0o644, 0o660])
def test_store_file_others_can_read_is_refused_then_fixed(tmp_path, file_mode):
    db = tmp_path / "s.db"
    open_store(db).close()
    os.chmod(db, file_mode)
    with pytest.raises(StoreError, match=r"store file .* has mode 0\d+ \(other users can read it\).*--fix-permissions"):
        open_store(db)
    code, text = cli(db, "status")
    assert code == 2 and text.startswith("error: store file") and "--fix-permissions" in text
    code, text = cli(db, "--fix-permissions", "status")
    assert code == 0, text
    assert mode(db) == 0o600


def test_wal_file_others_can_read_is_refused(tmp_path):
    db = tmp_path / "s.db"
    open_store(db).close()
    wal = tmp_path / "s.db-wal"
    wal.touch()
    os.chmod(wal, 0o644)
    assert any("WAL file" in p for p in insecure_permissions(db))
    fix_permissions(db)
    assert mode(wal) == 0o600 and insecure_permissions(db) == []


@pytest.mark.parametrize("dir_mode", [0o770, 0o777, 0o722, 0o730])
def test_directory_others_can_write_is_refused_then_fixed(tmp_path, dir_mode):
    d = tmp_path / "store"
    db = d / "s.db"
    open_store(db).close()
    os.chmod(d, dir_mode)
    try:
        with pytest.raises(StoreError, match="store directory .* \\(other users can replace the store\\)"):
            open_store(db)
        # a new store is not created in such a directory either
        with pytest.raises(StoreError, match="other users can replace"):
            open_store(d / "other.db")
        assert not (d / "other.db").exists()
        code, text = cli(db, "--fix-permissions", "status")
        assert code == 0, text
        assert mode(d) == 0o700 and mode(db) == 0o600
    finally:
        os.chmod(d, 0o700)


def test_directory_others_can_list_is_a_warning(tmp_path):
    d = tmp_path / "store"
    db = d / "s.db"
    open_store(db).close()
    os.chmod(d, 0o755)
    with open_store(db) as s:
        assert s.warnings == permission_warnings(db) != []
        assert "other users can see its file names" in s.warnings[0]
    r = runner.invoke(app, ["--db", str(db), "status"])
    assert r.exit_code == 0
    assert "warning: store directory" in r.stderr and "--fix-permissions makes it 0700" in r.stderr
    r = runner.invoke(app, ["--db", str(db), "--fix-permissions", "status"])
    assert r.exit_code == 0 and "warning" not in r.stderr
    assert mode(d) == 0o700


def test_shared_sticky_directory_is_refused_and_not_chmodded(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    try:
        with pytest.raises(StoreError, match="other users can replace the store"):
            open_store(shared / "s.db")
        with pytest.raises(StoreError, match="will not change the mode of the shared directory"):
            fix_permissions(shared / "s.db")
        assert mode(shared) == 0o1777
        code, text = cli(shared / "s.db", "--fix-permissions", "status")
        assert code == 2 and "move the store into a directory of its own" in text
    finally:
        os.chmod(shared, 0o700)
