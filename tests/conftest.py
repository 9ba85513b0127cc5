from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_CSV = ROOT.parent / "shared" / "reference" / "bsm_reference.csv"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def reference_csv() -> Path:
    if not REFERENCE_CSV.exists():
        if os.environ.get("PRICER_RS_NO_REFERENCE") == "1":  # the release workflow without shared/
            pytest.skip(f"reference data not available here: {REFERENCE_CSV}")
        pytest.fail(f"reference data missing: {REFERENCE_CSV} (shared/ must sit beside the repo)")
    return REFERENCE_CSV
