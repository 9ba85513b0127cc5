"""The stubs are really seen by mypy: a correct script passes, a mistyped one fails."""

from __future__ import annotations

import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest

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
    for line in (5, 6, 7, 8, 9, 10, 11, 12, 13):
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


def run_basedpyright(root: Path, path: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("basedpyright")
    if not exe.exists():
        pytest.skip("basedpyright is not installed (requirements-dev.txt)")
    config = root / "tests" / "typing" / "pyrightconfig.json"
    return subprocess.run([str(exe), "-p", str(config), "--pythonpath", sys.executable, str(path)],
                          capture_output=True, text=True, check=False, cwd=root, timeout=600)


def _needs(*modules: str) -> None:
    for module in modules:
        pytest.importorskip(module)


def test_several_frames_in_one_call_typecheck_under_mypy(root: Path) -> None:
    # issue 22, item 8: README's pr.implied_vol(chain["mid"], 3.95, chain["strike"], ...)
    # was "No overload variant matches" with pandas-stubs installed
    _needs("pandas", "polars", "xarray")
    res = run_mypy(root / "tests" / "typing" / "frames_multi.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_several_frames_in_one_call_typecheck_under_basedpyright(root: Path) -> None:
    _needs("pandas", "polars", "xarray")
    res = run_basedpyright(root, root / "tests" / "typing" / "frames_multi.py")
    assert res.returncode == 0 and "\n0 errors" in res.stdout, res.stdout + res.stderr


def test_basedpyright_rejects_the_mistyped_calls(root: Path) -> None:
    res = run_basedpyright(root, root / "tests" / "typing" / "mistyped.py")
    assert res.returncode == 1
    for line in (5, 6, 7, 8, 9, 10, 11, 12, 13):
        assert f"mistyped.py:{line}:" in res.stdout, res.stdout


def test_the_new_root_functions_typecheck(root: Path) -> None:
    # epsilon ... charm, black76_greeks, implied_vol_reason, IV_REASONS from the package root
    names = ("epsilon", "vanna", "volga", "charm", "black76_greeks", "implied_vol_reason", "IV_REASONS")
    assert all(n in pr.__all__ for n in names)
    _needs("pandas")
    res = run_mypy(root / "tests" / "typing" / "frames_new.py")
    assert res.returncode == 0, res.stdout + res.stderr
    res = run_basedpyright(root, root / "tests" / "typing" / "frames_new.py")
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_pure_python_modules_pass_mypy_strict(root: Path) -> None:
    _needs("pandas", "polars", "xarray")
    package = root / "python" / "pricer_rs"
    files = [package / f"{m}.py" for m in ("polars", "_xarray", "_chain", "_greeks", "_expiry", "_reasons",
                                            "_surface", "_frames")]
    res = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, files)],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr
