"""The binary wheel installs where there is no compiler and serves with its compiled build.

``make wheel`` (run by ``make test`` before the tests) leaves this machine's wheel in dist/;
if it is missing or older than the sources, this test builds it. The wheel is installed into a
fresh venv (pip, no index, no dependencies downloaded: the venv sees this venv's third-party
packages through a .pth line, not fastcore) and ``fastcore run`` is started there with only
that venv on PATH, so neither a compiler nor this checkout is within reach.
"""

import glob
import os
import shutil
import subprocess
import sys
import sysconfig

import httpx

from tests.support.server_process import ROOT, ServerProcess

SOURCES = (
    "fastcore/**/*.py",
    "fastcore/**/*.pyx",
    "fastcore/**/*.pxi",
    "fastcore/**/*.pxd",
    "setup.py",
    "pyproject.toml",
)


def _newest_source() -> float:
    paths = [
        p for pattern in SOURCES for p in glob.glob(os.path.join(ROOT, pattern), recursive=True)
    ]
    return max(os.path.getmtime(p) for p in paths)


def _wheel(tmp_path) -> str:
    built = sorted(glob.glob(os.path.join(ROOT, "dist", "fastcore-*.whl")), key=os.path.getmtime)
    if built and os.path.getmtime(built[-1]) >= _newest_source():
        return built[-1]
    env = {**os.environ, "FASTCORE_NO_EXTENSIONS": ""}
    out = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            ROOT,
        ],
        check=True,
        env=env,
        timeout=300,
    )
    return glob.glob(str(out / "fastcore-*.whl"))[0]


def test_wheel_installs_and_serves_compiled_without_a_compiler(tmp_path):
    wheel = _wheel(tmp_path)
    assert "-cp3" in os.path.basename(wheel) and not wheel.endswith("-none-any.whl"), wheel
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60
    )
    fresh = str(venv / "bin" / "python")
    site = subprocess.run(
        [fresh, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies (msgspec, uvloop, starlette, ...) from this venv; fastcore itself is
    # editable here, through a finder that a plain path line does not load
    with open(os.path.join(site, "deps.pth"), "w") as f:
        f.write(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            fresh,
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            wheel,
        ],
        check=True,
        timeout=120,
    )
    bare_path = str(venv / "bin")
    assert (
        shutil.which("cc", path=bare_path) is None and shutil.which("gcc", path=bare_path) is None
    )
    app_dir = tmp_path / "project"
    app_dir.mkdir()
    (app_dir / "main.py").write_text(
        "import fastcore\nfrom fastcore import FastCore\n\napp = FastCore()\n\n\n"
        "@app.get('/')\nasync def root() -> dict:\n    return {'from': fastcore.__file__}\n"
    )
    env = {
        "PATH": bare_path,
        "FASTCORE_REQUIRE_EXTENSIONS": "1",
        "FASTCORE_NO_EXTENSIONS": "",
        "PYTHONPATH": "",
    }
    command = [str(venv / "bin" / "fastcore"), "run", "--port", "0"]
    with ServerProcess(command=command, env=env, cwd=str(app_dir)) as server:
        port = server.port(timeout=20)
        assert "compiled build)" in server.output
        answer = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).json()
        assert answer["from"].startswith(site), answer  # the installed wheel, not this checkout
        assert server.stop() == 0
