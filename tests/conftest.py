from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from clearterm.storage import open_store

REPO = Path(__file__).resolve().parents[1]
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
