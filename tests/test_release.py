"""The release workflow (issue 24), which cannot run here: actionlint finds nothing in it, its
matrix names every platform we ship a wheel for, each wheel is tested on its own platform,
and publishing is trusted publishing (OIDC), never a token. Also: the version lives in
Cargo.toml alone."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (requirements-dev.txt) parses the workflow")

WORKFLOW = Path(".github") / "workflows" / "release.yml"

# (os, architecture, libc tag or None): every wheel issue 24 promises
PLATFORMS = {
    ("linux", "x86_64", "manylinux2014"),
    ("linux", "aarch64", "manylinux2014"),
    ("linux", "x86_64", "musllinux_1_2"),
    ("linux", "aarch64", "musllinux_1_2"),
    ("macos", "aarch64", None),
    ("macos", "x86_64", None),
    ("windows", "x86_64", None),
}


def actionlint() -> str:
    here = Path(sys.executable).parent / ("actionlint.exe" if os.name == "nt" else "actionlint")
    found = str(here) if here.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed: `make test` installs it from requirements-dev.txt")
    return found


@pytest.fixture(scope="module")
def workflow(root: Path) -> dict[Any, Any]:
    data = yaml.safe_load((root / WORKFLOW).read_text())
    assert isinstance(data, dict)
    return data


def triggers(workflow: dict[Any, Any]) -> dict[str, Any]:
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(on, dict), on
    return on


def runner_arch(runner: str) -> str:
    if runner.startswith("macos"):
        return "x86_64" if runner.endswith("-intel") or runner == "macos-13" else "aarch64"
    return "aarch64" if runner.endswith("-arm") else "x86_64"


def test_actionlint_finds_nothing(root: Path) -> None:
    res = subprocess.run([actionlint(), "-no-color", str(WORKFLOW)], cwd=root,
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0 and res.stdout == "", res.stdout + res.stderr


def test_matrix_names_every_platform(workflow: dict[Any, Any]) -> None:
    seen = set()
    for name, job in workflow["jobs"].items():
        if name not in ("linux", "macos", "windows"):
            continue
        for p in job["strategy"]["matrix"]["platform"]:
            seen.add((name, p["target"], p.get("manylinux")))
            # each wheel is built and tested on a runner of its own architecture
            assert runner_arch(p["runner"]) == p["target"], (name, p)
            assert p["runner"].startswith({"linux": "ubuntu", "macos": "macos", "windows": "windows"}[name])
    assert seen == PLATFORMS, f"missing {PLATFORMS - seen}, unexpected {seen - PLATFORMS}"


def test_every_wheel_is_tested_on_its_platform(workflow: dict[Any, Any]) -> None:
    for name in ("linux", "macos", "windows"):
        steps = workflow["jobs"][name]["steps"]
        uses = [s.get("uses", "") for s in steps]
        assert any(u.startswith("PyO3/maturin-action@") for u in uses), name
        assert any(u.startswith("actions/upload-artifact@") for u in uses), name
        scripts = "\n".join(s.get("run", "") for s in steps)
        assert "pytest" in scripts and "release_smoke.py" in scripts, name
        assert "dist/*.whl" in scripts, name
        # the two source-tree tests are left out, the rest run against the installed wheel
        assert "--ignore=tests/test_wheel.py" in scripts and "--ignore=tests/test_typing.py" in scripts
    build = next(s for s in workflow["jobs"]["linux"]["steps"] if "maturin-action" in s.get("uses", ""))
    assert build["with"]["manylinux"] == "${{ matrix.platform.manylinux }}"


def test_sdist_is_built_and_installed(workflow: dict[Any, Any]) -> None:
    steps = workflow["jobs"]["sdist"]["steps"]
    assert any(s.get("with", {}).get("command") == "sdist" for s in steps)
    assert "pip install --no-binary pricer_rs dist/*.tar.gz" in "\n".join(s.get("run", "") for s in steps)


def test_publishes_on_a_tag_with_trusted_publishing(root: Path, workflow: dict[Any, Any]) -> None:
    on = triggers(workflow)
    assert on["push"]["tags"] == ["v*"]
    assert workflow["permissions"] == {"contents": "read"}  # nothing more outside the publish job
    publish = workflow["jobs"]["publish"]
    assert publish["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert set(publish["needs"]) == {"linux", "macos", "windows", "sdist"}
    assert publish["permissions"] == {"id-token": "write"}
    env = publish["environment"]
    assert (env["name"] if isinstance(env, dict) else env) == "pypi"
    step = next(s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", ""))
    assert step["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert not {"password", "user", "username"} & set(step.get("with", {}))
    text = (root / WORKFLOW).read_text()
    assert "secrets." not in text and "PYPI_API_TOKEN" not in text and "password" not in text
    for name, job in workflow["jobs"].items():
        if name != "publish":
            assert "id-token" not in job.get("permissions", {}), name


def test_version_is_cargo_tomls_alone(root: Path) -> None:
    with open(root / "Cargo.toml", "rb") as f:
        version = tomllib.load(f)["package"]["version"]
    with open(root / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert "version" not in project and "version" in project["dynamic"]
    import pricer_rs

    assert pricer_rs.__version__ == version
    changelog = (root / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog and f"## [{version}]" in changelog
