"""Department and district of the Circuit Court of Cook County, from the form of a case number.

The table is ``departments.toml`` in the templates directory (editable by the office, see
``docs/documents.md``): ordered rules, each a department key, the caption line it prints and
regular expressions that must match the whole case number. A case number no rule matches is
refused (:class:`UnknownCaseNumber`), never captioned by a guess.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .model import BatchError

FILE = "departments.toml"
_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


class DepartmentTableError(ValueError):
    """departments.toml cannot be read (the message names the file and the rule)."""


class UnknownCaseNumber(BatchError):
    """Case numbers whose form no rule of departments.toml knows."""


@dataclass(frozen=True)
class Department:
    key: str
    caption: str
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, case_number: str) -> bool:
        text = case_number.strip()
        return any(p.fullmatch(text) for p in self.patterns)


class DepartmentTable:
    def __init__(self, departments: list[Department]) -> None:
        if not departments:
            raise DepartmentTableError(f"{FILE}: no [[department]] rule")
        self.departments = tuple(departments)
        self.order = {d.key: i for i, d in enumerate(departments)}

    @classmethod
    def load(cls, path: Path) -> "DepartmentTable":
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise DepartmentTableError(f"{path}: not found (the table of court departments)") from None
        except tomllib.TOMLDecodeError as exc:
            raise DepartmentTableError(f"{path}: {exc}") from None
        rules = data.get("department")
        if not isinstance(rules, list):
            raise DepartmentTableError(f"{path}: needs [[department]] rules")
        out: list[Department] = []
        for n, rule in enumerate(rules, 1):
            out.append(_rule(path, n, rule, {d.key for d in out}))
        return cls(out)

    def of(self, case_number: str) -> Department | None:
        for d in self.departments:
            if d.matches(case_number):
                return d
        return None

    def require(self, case_numbers) -> dict[str, Department]:
        """The department of every case number; :class:`UnknownCaseNumber` naming those no rule
        knows (at most five shown)."""
        found: dict[str, Department] = {}
        unknown: list[str] = []
        for cn in case_numbers:
            d = self.of(cn)
            if d is None:
                if cn not in unknown:
                    unknown.append(cn)
            else:
                found[cn] = d
        if unknown:
            shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            raise UnknownCaseNumber(
                f"{len(unknown)} case number(s) of a form no rule of {FILE} knows, so no court "
                f"department can be captioned: {shown}; add a rule to {FILE} in the templates "
                f"directory or take the case(s) out of the batch")
        return found


def _rule(path: Path, n: int, rule: object, seen: set[str]) -> Department:
    where = f"{path.name}: rule {n}"
    if not isinstance(rule, dict):
        raise DepartmentTableError(f"{where}: not a table")
    key, caption, patterns = rule.get("key"), rule.get("caption"), rule.get("patterns")
    if not isinstance(key, str) or not _KEY.match(key):
        raise DepartmentTableError(f"{where}: key must be a short name of a-z, 0-9 and '-'")
    if key in seen:
        raise DepartmentTableError(f"{where}: key {key!r} appears twice")
    if not isinstance(caption, str) or not caption.strip():
        raise DepartmentTableError(f"{where} ({key}): caption must be a non-empty string")
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not patterns or not all(isinstance(p, str) for p in patterns):
        raise DepartmentTableError(f"{where} ({key}): patterns must be a list of strings")
    compiled = []
    for p in patterns:
        try:
            compiled.append(re.compile(p, re.IGNORECASE))
        except re.error as exc:
            raise DepartmentTableError(f"{where} ({key}): bad pattern {p!r}: {exc}") from None
    return Department(key=key, caption=caption.strip(), patterns=tuple(compiled))
