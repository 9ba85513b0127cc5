"""The stubs are really seen by mypy: a correct script passes, a mistyped one fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_mypy(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True, text=True, check=False,
    )


def test_user_code_typechecks(root: Path) -> None:
    res = run_mypy(root / "examples" / "user_code.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_mistyped_code_is_rejected(root: Path) -> None:
    res = run_mypy(root / "tests" / "typing" / "mistyped.py")
    assert res.returncode == 1, res.stdout
    # every deliberate mistake is caught, each on its own line
    for line in (5, 6, 7, 8):
        assert f"mistyped.py:{line}: error" in res.stdout, res.stdout


def test_results_are_typed_by_their_inputs(root: Path) -> None:
    res = run_mypy(root / "tests" / "typing" / "results.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_frames_are_accepted_by_the_stubs(root: Path) -> None:
    # polars Series were refused ("No overload variant matches"), pr.greeks(frame) was typed
    # Greeks while it answers with a DataFrame
    res = run_mypy(root / "tests" / "typing" / "frames.py")
    assert res.returncode == 0, res.stdout + res.stderr
