"""Users and their roles in the store (migration ``0004_users``).

The SQL of :mod:`clearterm.services.access`, which checks names, roles and permissions, opens
the transactions and audits every change; these run inside its transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def user_row(conn: sqlite3.Connection, name: str) -> tuple | None:
    """(name, full_name, disabled, created_at, created_by) of user ``name``."""
    return conn.execute("SELECT name, full_name, disabled, created_at, created_by FROM users WHERE name = ?",
                        (name,)).fetchone()


def roles_of(conn: sqlite3.Connection, name: str) -> frozenset[str]:
    """The roles granted to ``name`` (whether or not the user is enabled)."""
    return frozenset(r for (r,) in conn.execute("SELECT role FROM user_roles WHERE user = ?", (name,)))


def user_names(conn: sqlite3.Connection) -> list[str]:
    return [n for (n,) in conn.execute("SELECT name FROM users ORDER BY name")]


def has_users(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None


def full_name_of(conn: sqlite3.Connection, name: str) -> str | None:
    row = conn.execute("SELECT full_name FROM users WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def insert_user(conn: sqlite3.Connection, name: str, full_name: str | None, roles: Iterable[str], *,
                at: str, actor: str) -> None:
    conn.execute("INSERT INTO users (name, full_name, disabled, created_at, created_by, changed_at, changed_by)"
                 " VALUES (?, ?, 0, ?, ?, ?, ?)", (name, full_name, at, actor, at, actor))
    conn.executemany("INSERT INTO user_roles (user, role, granted_at, granted_by) VALUES (?, ?, ?, ?)",
                     [(name, r, at, actor) for r in roles])


def set_disabled(conn: sqlite3.Connection, name: str, disabled: bool, *, at: str, actor: str) -> None:
    conn.execute("UPDATE users SET disabled = ?, changed_at = ?, changed_by = ? WHERE name = ?",
                 (int(disabled), at, actor, name))


def set_full_name(conn: sqlite3.Connection, name: str, full_name: str, *, at: str, actor: str) -> None:
    conn.execute("UPDATE users SET full_name = ?, changed_at = ?, changed_by = ? WHERE name = ?",
                 (full_name, at, actor, name))


def change_roles(conn: sqlite3.Connection, name: str, grant: Iterable[str], revoke: Iterable[str], *,
                 at: str, actor: str) -> None:
    """Grant roles ``name`` lacks and revoke roles it holds (the caller filters), one change time."""
    conn.executemany("INSERT INTO user_roles (user, role, granted_at, granted_by) VALUES (?, ?, ?, ?)",
                     [(name, r, at, actor) for r in grant])
    conn.executemany("DELETE FROM user_roles WHERE user = ? AND role = ?", [(name, r) for r in revoke])
    conn.execute("UPDATE users SET changed_at = ?, changed_by = ? WHERE name = ?", (at, actor, name))


def other_active_admins(conn: sqlite3.Connection, name: str) -> int:
    """How many enabled users other than ``name`` hold the admin role."""
    return int(conn.execute(
        "SELECT count(*) FROM user_roles r JOIN users u ON u.name = r.user"
        " WHERE r.role = 'admin' AND u.disabled = 0 AND u.name != ?", (name,)).fetchone()[0])


def latest_policy_hash(conn: sqlite3.Connection) -> str | None:
    """The hash of the policy the latest evaluation applied (None before the first evaluation)."""
    row = conn.execute("SELECT policy_hash FROM evaluations ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else None
