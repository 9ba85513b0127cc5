"""A release wheel installs into a brand-new venv and prices from outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest


def test_wheel_installs_and_prices_elsewhere(root: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    build = subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--release", "--quiet", "--out", str(dist),
         "--interpreter", sys.executable],
        cwd=root, capture_output=True, text=True, env=env, check=False,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    wheels = list(dist.glob("pricer_rs-*.whl"))
    assert len(wheels) == 1, wheels
    assert "abi3" in wheels[0].name

    target = tmp_path / "fresh-venv"
    venv.EnvBuilder(with_pip=True).create(target)
    python = target / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheels[0])],
        capture_output=True, text=True, check=False,
    )
    if install.returncode != 0 and "numpy" in install.stderr and "No matching" in install.stderr:
        pytest.fail("numpy could not be installed from the package index")
    assert install.returncode == 0, install.stderr[-3000:]

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    script = (
        "import numpy as np, pricer_rs as pr, pathlib\n"
        "assert 'site-packages' in pathlib.Path(pr.__file__).parts, pr.__file__\n"
        "p = pr.price(100.0, 100.0, 0.05, 0.2, 0.25)\n"
        "a = pr.price_european_call_batch(np.linspace(80, 120, 5), 100.0, 0.05, 0.2, 0.25)\n"
        "assert abs(p - 4.6150) < 1e-3 and a.shape == (5,) and np.all(np.diff(a) > 0)\n"
        "print(p)\n"
    )
    run = subprocess.run(
        [str(python), "-c", script], cwd=elsewhere, capture_output=True, text=True,
        env={"PATH": os.environ.get("PATH", "")}, check=False,
    )
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) == pytest.approx(4.615, abs=1e-3)
