"""The example scripts run and produce what they promise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(script: Path, *args: str, cwd: Path) -> str:
    env = dict(os.environ, MPLBACKEND="Agg")
    res = subprocess.run([sys.executable, str(script), *args], cwd=cwd, capture_output=True,
                         text=True, env=env, check=False, timeout=300)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_surface_fit_example(root: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the example saves a plot: needs the [plot] extra")
    out = run(root / "examples" / "surface_fit.py", "fit.png", cwd=tmp_path)
    assert "50 tenors" in out and "200 strikes" in out
    assert "ArbitrageReport(calendar=0, butterfly=0, vertical=0)" in out
    relative = float(out.split("made the prices: ")[1].split()[0])
    assert relative < 1e-12
    assert "per-tenor statistics" in out and "at the forward" in out
    for name in ("fit.png", "fit_error_band.png"):
        png = tmp_path / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_user_code_example_runs(root: Path, tmp_path: Path) -> None:
    out = run(root / "examples" / "user_code.py", cwd=tmp_path)
    assert out.startswith("4.61499712960286")


def test_chain_to_surface_example(root: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib", reason="the example saves a plot: needs the [plot] extra")
    pytest.importorskip("polars", reason="the example reads a polars chain")
    out = run(root / "examples" / "chain_to_surface.py", "chain.png", cwd=tmp_path)
    rel = float(out.split("max relative difference ")[1].split()[0])
    assert rel < 1e-12  # parity-implied forwards = the generating ones
    for reason in ("crossed", "zero bid", "below intrinsic", "expired", "not out of the money"):
        assert reason in out, reason
    assert "2 x below intrinsic value" in out
    for name in ("chain.png", "chain_error_band.png"):
        png = tmp_path / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
