"""The notebook runs top to bottom, and is committed without outputs (issue 7)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="running the notebook needs nbformat, nbclient, ipykernel")
NotebookClient = pytest.importorskip("nbclient", reason="running the notebook needs nbclient").NotebookClient


def test_notebook_is_stored_without_outputs(root: Path) -> None:
    nb = nbformat.read(root / "examples" / "csi300_sensitivity.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_notebook_executes(root: Path, tmp_path: Path) -> None:
    nb = nbformat.read(root / "examples" / "csi300_sensitivity.ipynb", as_version=4)
    os.environ["MPLBACKEND"] = "Agg"
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    text = "\n".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "ratio" in text and "max |fitted - true|" in text
    assert "ArbitrageReport(calendar=0, butterfly=0, vertical=0)" in text
    share = float(text.split("first-order band at ")[1].split()[0])
    assert share > 95.0
    # issue 22: the chain's parity forwards are the ones it was made with
    assert float(text.split("parity forwards vs true: max relative difference")[1].split()[0]) < 1e-10
    # issue 23: the closed-form fit sensitivity agrees with the brute-force re-fits
    agreement = text.split("relative to each parameter's largest sensitivity:")[1].split("]")[0]
    assert max(float(v) for v in agreement.strip(" [\n").split()) < 1e-4
