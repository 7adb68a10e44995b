"""Office policy settings the rules read (CRTA-RULES.md, "Open questions").

The dates of steps 15 to 17 are settings, because the law is unsettled there;
the defaults are the spec's. Every decision records the hash of the policy it
was made under, so a changed setting is visible in the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path

from clearterm.domain.county import is_illinois_county

__all__ = ["Policy", "PolicyError", "policy_from_mapping", "DEFAULT_POLICY_PATH"]

DEFAULT_POLICY_PATH = Path(__file__).with_name("default_policy.toml")

_DATE_KEYS = ("legalization_date", "crta_cutoff_date", "possession_schedule_date", "delivery_schedule_date")


#: The earliest dates the subsection tables of CRTA-RULES.md describe: section 4 possession from
#: 1997-08-15, section 5 delivery from 1983-09-24. Step 17's policy dates may be later, never earlier.
_SCHEDULE_FLOORS = {"possession_schedule_date": date(1997, 8, 15), "delivery_schedule_date": date(1983, 9, 24)}


class PolicyError(ValueError):
    """A policy file or value that cannot be used."""


@dataclass(frozen=True)
class Policy:
    office_county: str = "Cook"
    legalization_date: date = date(2020, 1, 1)         # step 15
    crta_cutoff_date: date = date(2019, 6, 25)         # step 16
    possession_schedule_date: date = date(1997, 8, 15)  # step 17, section 4
    delivery_schedule_date: date = date(1983, 9, 24)    # step 17, section 5

    def __post_init__(self) -> None:
        if not isinstance(self.office_county, str) or not self.office_county.strip():
            raise PolicyError("office_county must be a non-empty text")
        if not is_illinois_county(self.office_county):
            raise PolicyError("office_county must name one of the 102 Illinois counties")
        for k in _DATE_KEYS:
            v = getattr(self, k)
            if not isinstance(v, date) or isinstance(v, datetime):
                raise PolicyError(f"{k} must be a date")
        if self.crta_cutoff_date > self.legalization_date:
            raise PolicyError("crta_cutoff_date must not be after legalization_date")
        # The subsection tables (weights and classes) are defined only from these dates; an earlier
        # setting would let step 17 pass records the tables cannot read (rules v2, "Policy guard").
        for key, earliest in _SCHEDULE_FLOORS.items():
            if getattr(self, key) < earliest:
                raise PolicyError(f"{key} {getattr(self, key).isoformat()} is earlier than {earliest.isoformat()}: "
                                  "the subsection tables are not defined for those dates")

    def to_dict(self) -> dict:
        out: dict = {}
        for f in fields(self):
            v = getattr(self, f.name)
            out[f.name] = v.isoformat() if isinstance(v, date) else v
        return out

    def canonical_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def hash(self) -> str:
        """sha256 (hex) of :meth:`canonical_json`; cached on the instance."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()
            object.__setattr__(self, "_hash", h)
        return h


_KEYS = tuple(f.name for f in fields(Policy))


def _coerce_date(value, *, where: str, key: str) -> date:
    if isinstance(value, datetime):
        raise PolicyError(f"{where}: {key} must be a date (YYYY-MM-DD), not a date-time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PolicyError(f"{where}: {key} must be a date written YYYY-MM-DD")


def policy_from_mapping(data: dict, where: str) -> Policy:
    """The policy a configuration file holds (:func:`clearterm.settings.load_policy` reads the
    file). Keys: ``office_county`` and the four ``*_date`` settings, all optional (missing keys keep
    their defaults). Unknown keys and bad dates raise :class:`PolicyError` naming ``where`` and the key.
    """
    kwargs: dict = {}
    for key, value in data.items():
        if key not in _KEYS:
            raise PolicyError(f"{where}: unknown key {key!r} (allowed: {', '.join(_KEYS)})")
        if key in _DATE_KEYS:
            kwargs[key] = _coerce_date(value, where=where, key=key)
        else:
            if not isinstance(value, str) or not value.strip():
                raise PolicyError(f"{where}: {key} must be a non-empty text")
            kwargs[key] = value.strip()
    try:
        return Policy(**kwargs)
    except PolicyError as e:
        raise PolicyError(f"{where}: {e}") from None
