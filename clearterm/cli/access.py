"""Access commands: ``users add|grant|revoke|disable|enable|list``, ``whoami`` and ``ssh-config``.

The ``users`` group, ``whoami`` and ``ssh-config`` are added to the root app by :mod:`clearterm.cli.main`.
Managing users needs the admin role, except the very first ``users add NAME
--role admin`` on a store without users (the bootstrap, audited as such).
A refusal is one line and exit code 4; a bad request exit code 2.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from clearterm.cli.common import context, fail, login_user, problem, say, store_for_command
from clearterm.cli.listing import FormatOption, Listing, OutputFormat, emit
from clearterm.services import access
from clearterm.services.access import EXIT_DENIED

#: Paths that go into ForceCommand and sudoers unquoted: sudoers splits arguments on blanks and
#: gives ',', ':', '=', '\\' meaning, so anything beyond this set is refused rather than escaped.
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_./@+-]*\Z")
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,31}\Z")

NameArgument = Annotated[str, typer.Argument(metavar="NAME", help="The user's login name.", show_default=False)]
RoleOption = Annotated[list[str], typer.Option("--role", help="reviewer, signer or admin (repeatable).")]

SSHD_OPTIONS = (
    ("PermitTTY", "yes"),
    ("AllowTcpForwarding", "no"),
    ("AllowAgentForwarding", "no"),
    ("AllowStreamLocalForwarding", "no"),
    ("X11Forwarding", "no"),
    ("PermitTunnel", "no"),
    ("GatewayPorts", "no"),
    ("PermitUserRC", "no"),
)


def installed_clearterm() -> Path:
    """The absolute path of the ``clearterm`` script of this installation."""
    beside = Path(os.path.abspath(sys.executable)).parent / "clearterm"
    if beside.exists():
        return beside
    found = shutil.which("clearterm")
    if found:
        return Path(os.path.abspath(found))
    return Path(os.path.abspath(sys.argv[0]))


def installation_paths(clearterm: Path) -> list[Path]:
    """What the service account must be able to read and execute to run ``clearterm``: the
    script, the interpreter, the standard library, clearterm's package and its dependencies."""
    import typer as _typer  # a dependency, standing for the others installed beside it

    import clearterm as _clearterm

    return [clearterm, Path(os.path.realpath(sys.executable)), Path(os.__file__).parent,
            Path(_clearterm.__file__).parent, Path(_typer.__file__).parent]


def unreachable_for(user: str, paths: list[Path]) -> str | None:
    """Why Unix account ``user`` cannot read and execute one of ``paths`` (a path and its mode),
    judged by mode bits along the path and along its resolved form; None when it can, when
    ``user`` is root, or when there is no such account here (ssh-config run before it exists)."""
    import grp
    import pwd

    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return None
    if pw.pw_uid == 0:
        return None
    gids = {pw.pw_gid} | {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}

    def may(st: os.stat_result, want: int) -> bool:  # want: 4 read, 1 execute/search
        shift = 6 if st.st_uid == pw.pw_uid else 3 if st.st_gid in gids else 0
        return (st.st_mode >> shift) & want == want

    for path in paths:
        for p in dict.fromkeys((Path(os.path.abspath(path)), Path(os.path.realpath(path)))):
            for d in reversed(p.parents):
                st = os.stat(d)
                if not may(st, 1):
                    return f"{d} (mode {st.st_mode & 0o7777:04o}) keeps it from {p}"
            st = os.stat(p)
            if not may(st, 5):
                return f"{p} (mode {st.st_mode & 0o7777:04o}) is not readable and executable by it"
    return None


def review_command(clearterm: Path, db: Path) -> str:
    """The command the service account runs for a reviewer: the review workstation on ``db``."""
    return f"{clearterm} --db {db} review"


def sshd_block(*, group: str, service_user: str, clearterm: Path, db: Path) -> str:
    """The sshd_config block: members of ``group`` get the review workstation and nothing else."""
    lines = [
        "# clearterm: members of this group get the review workstation and nothing else.",
        "# Put this at the end of /etc/ssh/sshd_config (a Match block runs to the next Match).",
        f"Match Group {group}",
        f"    ForceCommand sudo -n -u {service_user} {review_command(clearterm, db)}",
    ]
    lines += [f"    {k} {v}" for k, v in SSHD_OPTIONS]
    return "\n".join(lines)


def sudoers_line(*, group: str, service_user: str, clearterm: Path, db: Path) -> str:
    """The sudoers rule letting ``group`` run exactly the review command as ``service_user``."""
    return f"%{group} ALL=({service_user}) NOPASSWD: {review_command(clearterm, db)}"


users_app = typer.Typer(help="The store's users and their roles (admin).", no_args_is_help=True)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user's login name (their SSH login).",
                                        show_default=False)],
    roles: RoleOption = [],  # noqa: B006 (Typer reads the default)
    full_name: Annotated[Optional[str], typer.Option("--full-name", help="Full name for signature lines.")
                         ] = None,
) -> None:
    """Add a user. The first user of a store must be an admin (bootstrap)."""
    actor = login_user(None)
    store = store_for_command(ctx, create=True)
    with store:
        try:
            access.add_user(store, name, roles, actor=actor, full_name=full_name)
        except access.AccessDenied as exc:
            raise fail(str(exc), EXIT_DENIED) from None
        except access.UserError as exc:
            raise fail(str(exc)) from None
        u = access.get_user(store.conn, name.strip())
    assert u is not None
    say(f"added user {u.name} with roles: {', '.join(sorted(u.roles, key=access.ROLES.index)) or 'none'}")


def _roles(ctx: typer.Context, name: str, grant: list[str], revoke: list[str]) -> None:
    if not grant and not revoke:
        raise fail("give at least one --role")
    actor = login_user(None)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            access.change_roles(store, name, grant=grant, revoke=revoke, actor=actor)
        except access.AccessDenied as exc:
            raise fail(str(exc), EXIT_DENIED) from None
        except access.UserError as exc:
            raise fail(str(exc)) from None
        roles = access.user_roles(store.conn, name)
    say(f"user {name} now has roles: {', '.join(sorted(roles, key=access.ROLES.index)) or 'none'}")


@users_app.command("grant")
def users_grant(ctx: typer.Context, name: NameArgument, roles: RoleOption = []) -> None:  # noqa: B006
    """Give a user more roles (audited)."""
    _roles(ctx, name, roles, [])


@users_app.command("revoke")
def users_revoke(ctx: typer.Context, name: NameArgument, roles: RoleOption = []) -> None:  # noqa: B006
    """Take roles away from a user (audited)."""
    _roles(ctx, name, [], roles)


@users_app.command("full-name")
def users_full_name(
    ctx: typer.Context,
    name: NameArgument,
    full_name: Annotated[str, typer.Argument(metavar="FULL_NAME", help="The full name for signature lines.",
                                             show_default=False)],
) -> None:
    """Record a user's full name for signature lines (audited; a signer needs one to sign)."""
    actor = login_user(None)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            access.set_full_name(store, name, full_name, actor=actor)
        except access.AccessDenied as exc:
            raise fail(str(exc), EXIT_DENIED) from None
        except access.UserError as exc:
            raise fail(str(exc)) from None
    say(f"user {name}: full name recorded")


def _set_disabled(ctx: typer.Context, name: str, disabled: bool) -> None:
    actor = login_user(None)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            access.set_disabled(store, name, disabled, actor=actor)
        except access.AccessDenied as exc:
            raise fail(str(exc), EXIT_DENIED) from None
        except access.UserError as exc:
            raise fail(str(exc)) from None
    say(f"user {name} {'disabled' if disabled else 'enabled'}")


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: NameArgument) -> None:
    """Disable a user: they can do nothing more; their past actions keep their name."""
    _set_disabled(ctx, name, True)


@users_app.command("enable")
def users_enable(ctx: typer.Context, name: NameArgument) -> None:
    """Enable a disabled user again."""
    _set_disabled(ctx, name, False)


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Every user, their roles and whether they are enabled."""
    actor = login_user(None)
    store = store_for_command(ctx, create=False)
    with store:
        try:
            access.require_role(store.conn, actor, "admin")
        except access.AccessDenied as exc:
            raise fail(str(exc), EXIT_DENIED) from None
        users = access.list_users(store.conn)
    emit([Listing("users", "Users", ("user", "full name", "roles", "status", "added", "by"),
                  [(u.name, u.full_name or "", ", ".join(sorted(u.roles, key=access.ROLES.index)),
                    "disabled" if u.disabled else "enabled", u.created_at[:10], u.created_by) for u in users],
                  empty="no users yet; add one with: clearterm users add NAME --role admin")], fmt)


def whoami(ctx: typer.Context, fmt: FormatOption = OutputFormat.table) -> None:
    """Who clearterm thinks you are, and your roles in this store."""
    actor = login_user(None)
    store = store_for_command(ctx, create=False)
    with store:
        u = access.get_user(store.conn, actor)
    if fmt is not OutputFormat.table:
        row = [actor, u is not None, bool(u and not u.disabled),
               " ".join(sorted(u.roles, key=access.ROLES.index)) if u else "", access.under_sudo()]
        emit([Listing("whoami", "Who you are", ("user", "known", "enabled", "roles", "via_sudo"), [row])], fmt)
    elif u is None:
        say(f"{actor}: not a user of this store")
    else:
        roles = ", ".join(sorted(u.roles, key=access.ROLES.index)) or "none (records staff)"
        say(f"{actor}: {'disabled' if u.disabled else 'enabled'}; roles: {roles}"
            + (" (via sudo)" if access.under_sudo() else ""))


def ssh_config(
    ctx: typer.Context,
    group: Annotated[str, typer.Option(help="The Unix group whose members review over SSH.")] = "clearterm",
    service_user: Annotated[str, typer.Option("--service-user", help="The account that owns the store.")
                            ] = "clearterm",
    db: Annotated[Optional[Path], typer.Option("--db", help="The store (default: the global --db).")] = None,
) -> None:
    """Print the sshd_config block and the sudoers line for reviewing over SSH (docs/deployment.md)."""
    for value, what in ((group, "--group"), (service_user, "--service-user")):
        if not _PLAIN_NAME.match(value):
            raise fail(f"{what} must be a plain Unix name")
    store_path = Path(os.path.abspath(db if db is not None else context(ctx).db))
    clearterm = installed_clearterm()
    for p, what in ((store_path, "the store path"), (clearterm, "the clearterm path")):
        if not _PLAIN_PATH.match(str(p)):
            raise fail(f"{what} {p} has characters sudoers would misread (spaces, ',', ':', '=', "
                       "quotes...); move it to a plain path")
    blocked = unreachable_for(service_user, installation_paths(clearterm))
    if blocked:
        problem(f"warning: the service account '{service_user}' cannot run this installation: {blocked}; "
                "install clearterm where it can (docs/deployment.md) and run ssh-config from there")
    kw = dict(group=group, service_user=service_user, clearterm=clearterm, db=store_path)
    say("# --- /etc/ssh/sshd_config (append; then: sshd -t && systemctl reload ssh) ---")
    say(sshd_block(**kw))
    say("")
    say("# --- /etc/sudoers.d/clearterm (install with: visudo -f /etc/sudoers.d/clearterm) ---")
    say(sudoers_line(**kw))
