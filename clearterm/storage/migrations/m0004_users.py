"""Migration 0004: the store's users and their roles.

Users are never deleted (a trigger refuses it), only disabled, so every actor
named in the audit log stays resolvable to a person. Roles are a separate table
because a user may hold several; granting and revoking roles, like adding and
disabling users, is written by :mod:`clearterm.services.access` together with an audit
entry in the same transaction.
"""

from __future__ import annotations

NAME = "0004_users"


def migrate(db) -> None:
    db.executescript(
        """
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  full_name TEXT,
  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  changed_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TRIGGER users_no_delete BEFORE DELETE ON users
BEGIN SELECT RAISE(ABORT, 'users are never deleted: disable them (clearterm users disable)'); END;
CREATE TRIGGER users_no_rename BEFORE UPDATE OF name ON users
BEGIN SELECT RAISE(ABORT, 'a user name never changes: the audit log refers to it'); END;

CREATE TABLE user_roles (
  user TEXT NOT NULL REFERENCES users(name),
  role TEXT NOT NULL CHECK (role IN ('reviewer', 'signer', 'admin')),
  granted_at TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  PRIMARY KEY (user, role)
) WITHOUT ROWID;
"""
    )
