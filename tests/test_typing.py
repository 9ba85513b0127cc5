"""The stubs are really seen by mypy: a correct script passes, a mistyped one fails."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import numpy as np

import pricer_rs as pr


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
    for line in (5, 6, 7, 8, 9, 10):
        assert f"mistyped.py:{line}: error" in res.stdout, res.stdout


def test_results_are_typed_by_their_inputs(root: Path) -> None:
    res = run_mypy(root / "tests" / "typing" / "results.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_frames_are_accepted_by_the_stubs(root: Path) -> None:
    # polars Series were refused ("No overload variant matches"), pr.greeks(frame) was typed
    # Greeks while it answers with a DataFrame
    res = run_mypy(root / "tests" / "typing" / "frames.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_stubs_overloads_are_what_the_generator_writes(root: Path) -> None:
    # the vectorised callables' overload sets are written by tools/gen_stubs.py; an edit by
    # hand to one of them would drift from the others
    res = subprocess.run([sys.executable, str(root / "tools" / "gen_stubs.py"), "--check"],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr


def test_greeks_subscripts_at_run_time() -> None:
    # the stubs make Greeks generic (Greeks[float], Greeks[ndarray]); annotations evaluated at
    # run time (dataclasses, pydantic, typing.get_type_hints) subscript the class itself
    alias = pr.Greeks[float]
    assert typing.get_origin(alias) is pr.Greeks and typing.get_args(alias) == (float,)

    def f(g: pr.Greeks[np.ndarray]) -> None: ...

    assert typing.get_type_hints(f)["g"] == pr.Greeks[np.ndarray]
