"""Checks what `make wheels` put in dist/, then installs it where no Rust is: issue 24, item 1.

1. dist/ holds exactly one abi3 manylinux2014 wheel per architecture (x86_64, aarch64) and
   one sdist, and the version in their names is Cargo.toml's.
2. `auditwheel show` names each wheel's platform manylinux_2_17 (manylinux2014), and the
   GLIBC symbol versions its extension needs, read with `readelf -V` here as well, are all
   <= 2.17; no strong import is unversioned (auditwheel misses those: glibc's gettid wrapper,
   2.30, once was one); the extension links no libpython.
3. The x86_64 wheel installs, with numpy from binaries only, into a fresh venv whose PATH has
   no cargo, rustc or maturin, and tools/release_smoke.py passes from it in an empty
   directory.
4. The sdist builds and installs (`pip install pricer_rs-*.tar.gz`, Rust needed) into
   another fresh venv from an empty directory and passes the same smoke script (skipped with
   --no-sdist).

Usage: python tools/check_wheels.py dist [--no-sdist]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "tools" / "release_smoke.py"
MAX_GLIBC = (2, 17)
ARCHES = ("x86_64", "aarch64")


def say(msg: str) -> None:
    print(f"check_wheels: {msg}", flush=True)


def fail(msg: str) -> None:
    sys.exit(f"check_wheels: FAILED: {msg}")


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(cmd, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]
    if res.returncode != 0:
        fail(f"{' '.join(map(str, cmd))} exited {res.returncode}\n{res.stdout[-4000:]}\n{res.stderr[-4000:]}")
    return res  # type: ignore[no-any-return]


def cargo_version() -> str:
    with open(ROOT / "Cargo.toml", "rb") as f:
        return str(tomllib.load(f)["package"]["version"])


def find_artifacts(dist: Path, version: str) -> tuple[dict[str, Path], Path]:
    wheels = sorted(dist.glob("*.whl"))
    sdists = sorted(dist.glob("*.tar.gz"))
    by_arch: dict[str, Path] = {}
    for w in wheels:
        # pricer_rs-0.1.0-cp310-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
        m = re.fullmatch(r"pricer_rs-(?P<v>[^-]+)-cp310-abi3-(?P<plat>.+)\.whl", w.name)
        if not m:
            fail(f"{w.name}: not a cp310-abi3 wheel of pricer_rs")
        assert m is not None
        if m["v"] != version:
            fail(f"{w.name}: version {m['v']}, Cargo.toml says {version}")
        plats = m["plat"].split(".")
        arch = next((a for a in ARCHES if plats[0].endswith(a)), None)
        if arch is None or arch in by_arch:
            fail(f"{w.name}: unexpected or duplicate architecture")
        assert arch is not None
        want = {f"manylinux_2_17_{arch}", f"manylinux2014_{arch}"}
        if set(plats) != want:
            fail(f"{w.name}: platform tags {plats}, want {sorted(want)}")
        by_arch[arch] = w
    if set(by_arch) != set(ARCHES):
        fail(f"wheels for {sorted(by_arch)} in {dist}, want {list(ARCHES)}")
    if [s.name for s in sdists] != [f"pricer_rs-{version}.tar.gz"]:
        fail(f"sdists {[s.name for s in sdists]}, want pricer_rs-{version}.tar.gz")
    return by_arch, sdists[0]


def glibc_versions(so: Path) -> list[tuple[int, ...]]:
    """Every GLIBC_x.y the extension requires (its .gnu.version_r section)."""
    out = run(["readelf", "-V", "-W", str(so)]).stdout
    need = out.split("Version needs section", 1)
    if len(need) != 2:
        fail(f"{so.name}: no version needs section in readelf -V")
    found = {tuple(int(x) for x in v.split(".")) for v in re.findall(r"Name: GLIBC_([0-9.]+)", need[1])}
    return sorted(found)


def unversioned_imports(so: Path) -> list[str]:
    """Strong undefined symbols bound to no library version, other than the interpreter's
    (Py*, _Py*): auditwheel does not see them, and a glibc older than the one that added such
    a function (gettid: 2.30) refuses to load the extension (CPython dlopens with RTLD_NOW)."""
    out = run(["readelf", "--dyn-syms", "-W", str(so)]).stdout
    bad = []
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 8 and f[6] == "UND" and f[4] == "GLOBAL":
            name = f[7]
            if "@" not in name and not name.startswith(("Py", "_Py")):
                bad.append(name)
    return bad


def check_wheel(wheel: Path, arch: str, work: Path) -> None:
    show = run([sys.executable, "-m", "auditwheel", "show", str(wheel)]).stdout
    print(show.rstrip())
    if f"manylinux_2_17_{arch}" not in show or "is consistent with the following platform tag" not in show:
        fail(f"auditwheel does not place {wheel.name} at manylinux_2_17_{arch}")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        sos = [n for n in names if n.startswith("pricer_rs/_native") and n.endswith(".so")]
        if sos != ["pricer_rs/_native.abi3.so"]:
            fail(f"{wheel.name}: extension modules {sos}, want pricer_rs/_native.abi3.so")
        for want in ("pricer_rs/__init__.py", "pricer_rs/py.typed", "pricer_rs/_native.pyi"):
            if want not in names:
                fail(f"{wheel.name}: {want} missing")
        so = Path(z.extract(sos[0], work / arch))
    machine = run(["readelf", "-h", str(so)]).stdout
    want_machine = {"x86_64": "X86-64", "aarch64": "AArch64"}[arch]
    if want_machine not in machine:
        fail(f"{so}: not an {want_machine} ELF")
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", str(so)]).stdout)
    versions = glibc_versions(so)
    top = max(versions)
    print(f"  {arch}: NEEDED {', '.join(needed)}")
    print(f"  {arch}: GLIBC versions required: {', '.join('GLIBC_' + '.'.join(map(str, v)) for v in versions)}")
    print(f"  {arch}: max GLIBC_{'.'.join(map(str, top))} (limit GLIBC_{'.'.join(map(str, MAX_GLIBC))})")
    if top > MAX_GLIBC:
        fail(f"{wheel.name} needs GLIBC_{'.'.join(map(str, top))} > 2.17")
    loose = unversioned_imports(so)
    print(f"  {arch}: strong undefined symbols without a version (besides Py*): {loose or 'none'}")
    if loose:
        fail(f"{wheel.name} imports {loose} with no symbol version: it may not load on glibc 2.17")
    if any("python" in n for n in needed):
        fail(f"{wheel.name} links libpython: {needed}")


def no_rust_path() -> str:
    """PATH without any directory that holds cargo, rustc, rustup or maturin (nor .venv/bin)."""
    keep = []
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if not d or any((Path(d) / tool).exists() for tool in ("cargo", "rustc", "rustup", "maturin")):
            continue
        keep.append(d)
    path = os.pathsep.join(keep)
    for tool in ("cargo", "rustc", "maturin"):
        if shutil.which(tool, path=path):
            fail(f"{tool} still on the stripped PATH")
    return path


def fresh_venv(where: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(where)
    return where / "bin" / "python"


def smoke(python: Path, cwd: Path, env: dict[str, str]) -> None:
    res = run([str(python), str(SMOKE)], cwd=cwd, env=env)
    print("  " + res.stdout.rstrip().replace("\n", "\n  "))


def clean_env(path: str) -> dict[str, str]:
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "CARGO_HOME", "RUSTUP_HOME", "CARGO_TARGET_DIR", "CONDA_PREFIX"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PATH"] = path
    return env


def main() -> None:
    args = sys.argv[1:]
    with_sdist = "--no-sdist" not in args
    args = [a for a in args if a != "--no-sdist"]
    dist = Path(args[0] if args else "dist").resolve()
    version = cargo_version()
    wheels, sdist = find_artifacts(dist, version)
    say(f"{dist}: {', '.join(p.name for p in [*wheels.values(), sdist])}")

    with tempfile.TemporaryDirectory(prefix="pricer_rs-release-") as tmp:
        work = Path(tmp)
        for arch, wheel in wheels.items():
            check_wheel(wheel, arch, work)
        say("tags and symbol versions OK")

        # The x86_64 wheel where there is no Rust toolchain, no maturin and no source tree.
        path = no_rust_path()
        env = clean_env(path)
        python = fresh_venv(work / "wheel-venv")
        run([str(python), "-m", "pip", "install", "--quiet", "--only-binary=:all:", str(wheels["x86_64"]), "numpy"], env=env)
        elsewhere = work / "elsewhere"
        elsewhere.mkdir()
        say(f"x86_64 wheel installed into a fresh venv (PATH without cargo/rustc/maturin: {path})")
        smoke(python, elsewhere, env)
        say("smoke test passed from the x86_64 wheel")

        if with_sdist:
            # The sdist from an empty directory: pip builds it with maturin (from PyPI, in
            # pip's isolated build environment) and the Rust toolchain on the PATH.
            env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
            env["PATH"] = os.pathsep.join(
                d for d in os.environ.get("PATH", "").split(os.pathsep)
                if os.path.abspath(d) != os.path.abspath(os.path.dirname(sys.executable))
            )
            python = fresh_venv(work / "sdist-venv")
            clean = work / "clean"
            clean.mkdir()
            staged = shutil.copy(sdist, clean)
            run([str(python), "-m", "pip", "install", "--quiet", "--no-binary=pricer_rs", str(staged)], cwd=clean, env=env)
            say("sdist built and installed into a fresh venv from an empty directory")
            smoke(python, clean, env)
            say("smoke test passed from the sdist")
        else:
            say("sdist install skipped (--no-sdist)")
    say("all checks passed")


if __name__ == "__main__":
    main()
