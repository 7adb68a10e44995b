"""Every environment variable and configuration file clearterm reads, in one place.

Only the outer layers (cli, services, tui) import this module; the store and the documents layer
receive what they need as arguments, so they never read the environment themselves.

| variable | meaning |
|---|---|
| ``CLEARTERM_DB`` | the store, when ``--db`` is not given (else ``./clearterm.db``) |
| ``CLEARTERM_TEMPLATES_DIR`` | a folder of document templates to use instead of the shipped ones |
| ``CLEARTERM_KEYMAP`` | the workstation's keymap file (else ``$XDG_CONFIG_HOME/clearterm/keymap.toml``) |
| ``CLEARTERM_KEY_PASSPHRASE`` | the signing key's passphrase, when no ``--passphrase-file`` is given |
| ``CLEARTERM_DEBUG`` | ``1``: show tracebacks of internal errors (test data only: they may hold personal data) |
| ``CLEARTERM_TEST_CRASH_AT`` | tests only: make ``batch sign`` or ``petitions import`` stop at a named point |
| ``CI`` | set: no progress bars |
| ``SUDO_USER``, ``SUDO_UID`` | the login that runs clearterm through ``sudo -u <service account>`` |
| ``XDG_CONFIG_HOME`` | where the keymap file is looked for |

Configuration files (TOML) are read by :func:`read_toml`, which turns every problem into one
:class:`ConfigError` line naming the file.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

__all__ = [
    "ConfigError", "read_toml", "db_path", "templates_override", "keymap_path", "key_passphrase",
    "debug", "show_progress_allowed", "sudo_login", "test_crash_point", "DEFAULT_DB", "load_policy",
]

DEFAULT_DB = "clearterm.db"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the file."""


def read_toml(path: Path, what: str) -> dict:
    """The TOML file at ``path`` (``what`` names it in messages: "policy file", "keymap", ...)."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {what} is not valid TOML ({exc})") from None


def db_path(cli_value: str | os.PathLike | None) -> Path:
    """``--db``, else ``$CLEARTERM_DB``, else ``./clearterm.db``."""
    if cli_value:
        return Path(cli_value)
    return Path(os.environ.get("CLEARTERM_DB") or DEFAULT_DB)


def templates_override() -> Path | None:
    """``$CLEARTERM_TEMPLATES_DIR``: a folder of templates to use instead of the shipped ones."""
    env = os.environ.get("CLEARTERM_TEMPLATES_DIR")
    return Path(env) if env else None


def keymap_path() -> Path | None:
    """``$CLEARTERM_KEYMAP``, else ``$XDG_CONFIG_HOME/clearterm/keymap.toml`` if it exists."""
    env = os.environ.get("CLEARTERM_KEYMAP")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    p = Path(base) / "clearterm" / "keymap.toml"
    return p if p.exists() else None


def key_passphrase() -> str | None:
    """``$CLEARTERM_KEY_PASSPHRASE``."""
    return os.environ.get("CLEARTERM_KEY_PASSPHRASE")


def debug() -> bool:
    """``$CLEARTERM_DEBUG``: internal errors show their traceback (test data only)."""
    return bool(os.environ.get("CLEARTERM_DEBUG"))


def show_progress_allowed() -> bool:
    """Progress bars are drawn unless ``$CI`` is set."""
    return not os.environ.get("CI")


def sudo_login() -> tuple[str | None, str | None]:
    """(``$SUDO_USER``, ``$SUDO_UID``): who runs clearterm through sudo, if anyone."""
    return os.environ.get("SUDO_USER"), os.environ.get("SUDO_UID")


def test_crash_point() -> str | None:
    """``$CLEARTERM_TEST_CRASH_AT`` (tests only)."""
    return os.environ.get("CLEARTERM_TEST_CRASH_AT")


def load_policy(path: str | os.PathLike | None):
    """The office policy from a TOML file (``clearterm evaluate --policy FILE``); ``None`` gives
    the defaults. Any problem is one :class:`~clearterm.domain.policy.PolicyError` naming the file."""
    from clearterm.domain.policy import Policy, PolicyError, policy_from_mapping

    if path is None:
        return Policy()
    try:
        data = read_toml(Path(path), "policy file")
    except ConfigError as exc:
        raise PolicyError(str(exc)) from None
    return policy_from_mapping(data, str(path))
