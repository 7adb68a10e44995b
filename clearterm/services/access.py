"""Who is at the keyboard, and what they may do.

Identity is the operating-system login. In the SSH deployment (docs/deployment.md)
a reviewer logs in as themselves and sshd's ``ForceCommand`` runs clearterm
through ``sudo -u <service account>``, because only the service account can
read the 0600 store. sudo then records the SSH login in ``SUDO_USER``: that is
who acts, and a ``--reviewer`` naming anyone else is refused. Outside sudo the
login user acts; there ``--reviewer`` may name someone else, since whoever can
run clearterm directly on the store can read and write the file anyway (the
access checks protect the SSH path, not the file).

Users and their roles live in the store (migration ``0004_users``). Roles:

- ``reviewer``: review cases (``review``, ``decide``, ``batch create``);
- ``signer``: sign batches (``batch sign``);
- ``admin``: manage users, and change the policy that ``evaluate`` applies.

A user may hold several roles; no role implies another (an admin who should
also sign is granted ``signer`` explicitly). A known, enabled user holding no
role at all is "records staff": enough for ``ingest`` and plain ``evaluate``.
Users are never deleted, only disabled, so every actor in the audit log stays
resolvable. Every change to users or roles is written together with its audit
entry in one transaction.

This module is headless (no Textual): the CLI, the TUI and the batch signer
all call it.
"""

from __future__ import annotations

import getpass
import os
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from clearterm import settings
from clearterm.domain.dates import utc_now_iso
from clearterm.storage import audit, users

ROLES: tuple[str, ...] = ("reviewer", "signer", "admin")

#: The CLI's exit code for an access refusal (2 is a bad request, 3 a review conflict).
EXIT_DENIED = 4

#: Login names as POSIX and directory services spell them (``jdoe``, ``j.doe``, ``jdoe@ccsao``).
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}\Z")
MAX_FULL_NAME = 120


class AccessDenied(Exception):
    """Refused: ``str()`` is one line naming the user, what was needed and what to do."""


class UserError(ValueError):
    """A users command that cannot be carried out (bad name, unknown role, already exists...)."""


@dataclass(frozen=True)
class User:
    name: str
    full_name: str | None
    disabled: bool
    roles: frozenset[str]
    created_at: str
    created_by: str


# -- identity ----------------------------------------------------------------------------------------
def _safe(name: str) -> str:
    """A user name fit for a one-line message: printable, bounded."""
    s = "".join(ch if ch.isprintable() else "?" for ch in (name or ""))
    return s[:64] + ("..." if len(s) > 64 else "")


def under_sudo() -> bool:
    """True when sudo started this process on behalf of another user (the SSH deployment).

    sudo sets ``SUDO_USER``/``SUDO_UID`` to the invoking user; running as a different
    user than that one is what "under sudo" means here (``sudo -u clearterm``).
    """
    sudo_user, sudo_uid = settings.sudo_login()
    if not sudo_user or not sudo_uid:
        return False
    try:
        return int(sudo_uid) != os.geteuid()
    except ValueError:
        return False


def login_user() -> str:
    """Who is at the keyboard: the sudo caller under sudo, else the login user."""
    if under_sudo():
        return settings.sudo_login()[0] or ""
    try:
        name = getpass.getuser()
    except Exception:  # no LOGNAME/USER and no passwd entry for the uid
        try:
            name = os.getlogin()
        except OSError:
            raise AccessDenied("access denied: cannot tell who you are (no login name); "
                               "log in as yourself or set USER") from None
    if not name:
        raise AccessDenied("access denied: cannot tell who you are (empty login name)")
    return name


def acting_user(explicit: str | None) -> str:
    """The user an action is recorded under: ``explicit`` (``--reviewer``) or the login user.

    Under sudo (the SSH path) acting as someone else is refused (:class:`AccessDenied`): the
    SSH login is the identity. A malformed ``explicit`` name is a :class:`UserError`.
    """
    login = login_user()
    if explicit is None:
        return login
    name = explicit.strip()
    if not name:
        raise UserError("the user name is empty")
    if not _NAME.match(name):
        raise UserError(f"'{_safe(name)}' is not a valid user name (letters, digits, '_', '.', '@', '-')")
    if under_sudo() and name != login:
        raise AccessDenied(f"access denied: you are logged in as '{_safe(login)}' and may not act as "
                           f"'{_safe(name)}'; leave out --reviewer")
    return name


# -- reading users -----------------------------------------------------------------------------------
def get_user(conn: sqlite3.Connection, name: str) -> User | None:
    row = users.user_row(conn, name)
    if row is None:
        return None
    return User(row[0], row[1], bool(row[2]), users.roles_of(conn, name), row[3], row[4])


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [u for n in users.user_names(conn) if (u := get_user(conn, n))]


def has_users(conn: sqlite3.Connection) -> bool:
    return users.has_users(conn)


def user_roles(conn: sqlite3.Connection, user: str) -> frozenset[str]:
    """The roles ``user`` holds now; empty for an unknown or disabled user."""
    u = get_user(conn, user)
    return frozenset() if u is None or u.disabled else u.roles


def display_name(conn: sqlite3.Connection, user: str) -> str:
    """The full name for signature lines and headers; the user name when none is recorded."""
    return users.full_name_of(conn, user) or user


# -- checks ------------------------------------------------------------------------------------------
def require_user(conn: sqlite3.Connection, user: str) -> User:
    """``user`` must be a known, enabled user of this store (any roles, or none)."""
    u = get_user(conn, user)
    who = _safe(user)
    if u is None:
        if not has_users(conn):
            raise AccessDenied(f"access denied: this store has no users yet, so '{who}' cannot act; "
                               "an administrator sets up the first one with: clearterm users add NAME "
                               "--role admin")
        raise AccessDenied(f"access denied: '{who}' is not a clearterm user of this store; ask a clearterm "
                           f"admin to run: clearterm users add {who} --role reviewer")
    if u.disabled:
        raise AccessDenied(f"access denied: user '{who}' is disabled; ask a clearterm admin to run: "
                           f"clearterm users enable {who}")
    return u


def require_role(conn: sqlite3.Connection, user: str, role: str) -> None:
    """Raise :class:`AccessDenied` unless ``user`` is known, enabled and holds ``role``."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    u = require_user(conn, user)
    if role not in u.roles:
        who = _safe(user)
        raise AccessDenied(f"access denied: '{who}' needs the {role} role for this; ask a clearterm admin "
                           f"to run: clearterm users grant {who} --role {role}")


# -- changing users (admin; every change audited in the same transaction) -------------------------------
def _check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    out = []
    for r in roles:
        if r not in ROLES:
            raise UserError(f"unknown role '{_safe(r)}': choose from {', '.join(ROLES)}")
        if r not in out:
            out.append(r)
    return tuple(sorted(out, key=ROLES.index))


def _check_full_name(full_name: str | None) -> str | None:
    if full_name is None:
        return None
    s = " ".join(full_name.split())
    if not s:
        return None
    if len(s) > MAX_FULL_NAME or not s.isprintable():
        raise UserError(f"the full name must be printable and at most {MAX_FULL_NAME} characters")
    return s


def add_user(store, name: str, roles: Iterable[str], *, actor: str, full_name: str | None = None) -> None:
    """Add user ``name`` with ``roles`` (possibly none: records staff); ``actor`` must be an admin.

    Bootstrap: in a store with no users yet, the first user may be added by anyone who can
    open the store, provided they are given the admin role; the audit entry says so.
    """
    name = name.strip()
    if not _NAME.match(name):
        raise UserError(f"'{_safe(name)}' is not a valid user name (letters, digits, '_', '.', '@', '-'; "
                        "at most 64)")
    wanted = _check_roles(roles)
    full = _check_full_name(full_name)
    with store.write() as conn:
        bootstrap = not has_users(conn)
        if bootstrap:
            if "admin" not in wanted:
                raise UserError("this store has no users yet: the first user must be an administrator "
                                f"(clearterm users add {_safe(name)} --role admin)")
        else:
            require_role(conn, actor, "admin")
            if get_user(conn, name) is not None:
                raise UserError(f"user '{_safe(name)}' already exists; use 'clearterm users grant' to add roles")
        at = utc_now_iso()
        users.insert_user(conn, name, full, wanted, at=at, actor=actor)
        detail = {"user": name, "roles": list(wanted), "full_name_set": full is not None}
        if full is not None:  # its hash, never the name: enough for ``audit verify`` to replay the user
            detail["full_name_sha256"] = audit.full_name_digest(name, full)
        if bootstrap:
            detail["bootstrap"] = True
        audit.append(conn, at=at, actor=actor, event="user.add", detail=detail)


def set_disabled(store, name: str, disabled: bool, *, actor: str) -> None:
    """Disable (or re-enable) ``name``: a disabled user can do nothing but stays in the records."""
    with store.write() as conn:
        require_role(conn, actor, "admin")
        u = get_user(conn, name)
        if u is None:
            raise UserError(f"no user '{_safe(name)}' in this store")
        if u.disabled == disabled:
            raise UserError(f"user '{_safe(name)}' is already {'disabled' if disabled else 'enabled'}")
        if disabled and name == actor:
            raise UserError("you cannot disable yourself; another admin must do it")
        if disabled and "admin" in u.roles and _other_active_admins(conn, name) == 0:
            raise UserError(f"'{_safe(name)}' is the last enabled admin; add another admin first")
        at = utc_now_iso()
        users.set_disabled(conn, name, disabled, at=at, actor=actor)
        audit.append(conn, at=at, actor=actor, event="user.disable" if disabled else "user.enable",
                     detail={"user": name})


def set_full_name(store, name: str, full_name: str, *, actor: str) -> None:
    """Record ``name``'s full name for signature lines (admin only; audited by its hash, never the name)."""
    full = _check_full_name(full_name)
    if full is None:
        raise UserError("give the full name, e.g. \"Sam Q. Supervisor\"")
    with store.write() as conn:
        require_role(conn, actor, "admin")
        u = get_user(conn, name)
        if u is None:
            raise UserError(f"no user '{_safe(name)}' in this store")
        if u.full_name == full:
            raise UserError(f"user '{_safe(name)}' already has this full name")
        at = utc_now_iso()
        users.set_full_name(conn, name, full, at=at, actor=actor)
        audit.append(conn, at=at, actor=actor, event="user.full_name",
                     detail={"user": name, "full_name_set": True,
                             "full_name_sha256": audit.full_name_digest(name, full)})


def change_roles(store, name: str, *, grant: Iterable[str] = (), revoke: Iterable[str] = (), actor: str) -> None:
    """Grant and/or revoke roles of ``name`` (admin only; audited with the roles before and after)."""
    to_grant, to_revoke = _check_roles(grant), _check_roles(revoke)
    if set(to_grant) & set(to_revoke):
        raise UserError("a role cannot be granted and revoked at once")
    with store.write() as conn:
        require_role(conn, actor, "admin")
        u = get_user(conn, name)
        if u is None:
            raise UserError(f"no user '{_safe(name)}' in this store")
        before = u.roles
        after = (before | set(to_grant)) - set(to_revoke)
        if after == before:
            raise UserError(f"user '{_safe(name)}' already has roles: {', '.join(_ordered(before)) or 'none'}")
        if "admin" in before and "admin" not in after and _other_active_admins(conn, name) == 0:
            raise UserError(f"'{_safe(name)}' is the last enabled admin; add another admin first")
        at = utc_now_iso()
        users.change_roles(conn, name, [r for r in to_grant if r not in before],
                           [r for r in to_revoke if r in before], at=at, actor=actor)
        audit.append(conn, at=at, actor=actor, event="user.roles",
                     detail={"user": name, "before": _ordered(before), "after": _ordered(after)})


def _ordered(roles: Iterable[str]) -> list[str]:
    return sorted(roles, key=ROLES.index)


def _other_active_admins(conn: sqlite3.Connection, name: str) -> int:
    return users.other_active_admins(conn, name)


# -- policy --------------------------------------------------------------------------------------------
def policy_in_force(conn: sqlite3.Connection) -> str | None:
    """The hash of the policy the latest evaluation applied (None before the first evaluation)."""
    return users.latest_policy_hash(conn)


def record_policy_change(store, *, actor: str, old_hash: str, new_hash: str) -> int:
    """Check ``actor`` is an admin and audit the change of policy; returns the audit seq.

    Written before the evaluation that applies the new policy, so the log shows who
    authorised it even if that evaluation is interrupted.
    """
    with store.write() as conn:
        require_role(conn, actor, "admin")
        seq, _ = audit.append(conn, at=utc_now_iso(), actor=actor, event="policy_change",
                              detail={"from": old_hash, "to": new_hash})
    return seq


def record_event(store, *, actor: str, event: str, detail: dict) -> int:
    """Append one audit entry for a records-staff action (ingest, evaluate); returns its seq."""
    with store.write() as conn:
        seq, _ = audit.append(conn, at=utc_now_iso(), actor=actor, event=event, detail=detail)
    return seq
