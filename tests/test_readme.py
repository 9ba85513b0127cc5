"""Every Python example in README.md runs (in order, sharing one namespace), so the
documentation cannot drift from the API."""

from __future__ import annotations

import re
from pathlib import Path


def test_readme_examples_run(root: Path) -> None:
    text = (root / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        if "Client(" in block:  # needs a running scheduler: checked by tests/test_dask.py
            continue
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
    vols = namespace["vols"]
    assert getattr(vols, "shape") == (5,)
    fitted = namespace["fitted"]
    assert getattr(fitted, "shape") == (4, 41)
    assert getattr(namespace["report"], "ok")
    risk = namespace["risk"]
    assert list(getattr(risk, "columns")) == ["delta", "vega"]
    # the implied-vol reasons example shows one answered quote and three kinds of NaN
    reasons = getattr(namespace["pr"], "IV_REASONS")
    assert [reasons[int(c)] for c in namespace["why"]] == [  # type: ignore[attr-defined]
        "ok",
        "below intrinsic value",
        "zero or negative price",
        "at or above the upper bound",
    ]
