"""Real third-party FastAPI code, run with its own tests under the ``fastapi`` alias (issue 9).

Each library in ``LIBRARIES`` is put in ``build/thirdparty/NAME/src`` (its sdist from PyPI, or
a GitHub snapshot the session's ``fetch`` tool brought to ``/work/.mirror/OWNER+NAME/repo``),
its test requirements go into a venv of its own under ``.venv-thirdparty/`` that has fastcore
installed editable and **no** FastAPI (the runner uninstalls one a requirement pulled in), and
its tests run with the alias switched on before anything else imports (a pytest plugin loaded
by ``-p``, ahead of conftest files and entry-point plugins). It prints "LIB: N passed, M
failed" and, with ``--why``, the failures grouped by their message.

``--on fastapi`` runs the same tests on the real FastAPI 0.165 (another venv, no alias): the
figure the library's suite reaches where it was written.

This needs the network (PyPI) and minutes per library: it is not part of ``make test``.

    .venv/bin/python scripts/thirdparty.py [LIB ...] [--on fastcore|fastapi] [--why]
        [-k EXPR] [--pytest-args "..."] [--reinstall]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "build", "thirdparty")
VENVS = os.environ.get("FASTCORE_THIRDPARTY_VENVS", os.path.join(ROOT, ".venv-thirdparty"))
MIRRORS = os.environ.get("FASTCORE_THIRDPARTY_MIRRORS", "/work/.mirror")
FASTAPI = "fastapi==0.165.0"

#: The plugin ``-p`` loads first: the one line a FastAPI project adds to its conftest.
HOOK = '''"""Switches the fastapi alias on before any conftest or plugin imports fastapi."""

import fastcore.alias

fastcore.alias.install()
'''


@dataclasses.dataclass(frozen=True)
class Library:
    """One third-party project: where its code and tests come from and how they run."""

    name: str
    #: ``pypi:DIST==VERSION`` (its sdist) or ``github:OWNER/NAME@REF`` (a fetched snapshot).
    source: str
    #: Its runtime requirements except FastAPI, and what its tests need.
    requires: tuple[str, ...]
    #: Test paths and options, relative to the project's directory.
    tests: tuple[str, ...] = ("tests",)
    #: The project's directory inside the source (a monorepo's backend, say).
    subdir: str = ""
    #: Environment for the test run.
    env: tuple[tuple[str, str], ...] = ()
    #: Why the figure leaves some of the suite out, said in the report.
    note: str = ""
    #: A server its tests need, started for the run: "postgres" (a private cluster on
    #: loopback; DATABASE_URL names its database).
    service: str = ""
    #: Commands run in the venv before the tests (``python -m ...``), e.g. migrations.
    setup: tuple[tuple[str, ...], ...] = ()


LIBRARIES = {
    lib.name: lib
    for lib in (
        Library(
            name="fastapi-users",
            source="pypi:fastapi-users==15.0.5",
            requires=(
                "pwdlib[argon2,bcrypt]==0.3.0",
                "email-validator>=1.1.0,<2.4",
                "pyjwt[crypto]>=2.12.0,<3.0.0",
                "python-multipart>=0.0.22,<0.1.0",
                "makefun>=1.11.2,<2.0.0",
                "httpx-oauth>=0.13",
                "redis>=4.3.3,<8.0.0",
                "pydantic>=2",
                "pytest",
                "pytest-asyncio",
                "pytest-mock",
                "httpx",
                "asgi-lifespan",
                "uvicorn",
            ),
        ),
        Library(
            name="fastapi-pagination",
            source="pypi:fastapi-pagination==0.16.1",
            requires=(
                "pydantic>=2.13.4",
                "typing-extensions>=4.8.0",
                # tests/conftest.py imports every backend's client at module level.
                "sqlmodel>=0.0.22",
                "sqlakeyset>=2.0.1680321678",
                "SQLAlchemy>=1.3.20",
                "asyncpg>=0.24.0",
                "aiosqlite>=0.19.0,!=0.22.0,!=0.22.1",
                "scylla-driver>=3.25.6",
                "pymongo",
                "psycopg[binary]>=3.3.2",
                "pytest>=8.3.4",
                "pytest-asyncio>=0.25.3",
                "flaky>=3.8.1",
                "Faker>=35.2",
                "httpx>=0.28.1",
                "asgi-lifespan>=2.1.0",
                "requests>=2.32.2",
                "Jinja2>=3.1.5",
                "dirty-equals>=0.9.0",
            ),
            # Its CI's unit-test step; tests/ext needs PostgreSQL, MongoDB, Cassandra, ...
            tests=("tests", "--ignore=tests/ext"),
            note="the unit tests (its CI's first step); tests/ext needs database servers",
        ),
        Library(
            name="full-stack-fastapi-template",
            # NOTE: the last commit before its move to Python 3.14 (PEP 649 annotations in
            # app/models.py), which this machine does not have.
            source="github:fastapi/full-stack-fastapi-template@a727535488542228dc19b13f217a104ad317c122",
            subdir="backend",
            requires=(
                "python-multipart>=0.0.27,<1.0.0",
                "email-validator>=2.1.0.post1,<3.0.0.0",
                "tenacity>=8.2.3,<10.0.0",
                "pydantic>2.0",
                "emails>=0.6,<1.0",
                "jinja2>=3.1.4,<4.0.0",
                "alembic>=1.12.1,<2.0.0",
                "httpx>=0.25.1,<1.0.0",
                "psycopg[binary]>=3.1.13,<4.0.0",
                "sqlmodel>=0.0.21,<1.0.0",
                "pydantic-settings>=2.2.1,<3.0.0",
                "sentry-sdk>=2.0.0,<3.0.0",
                "pyjwt>=2.13.0,<3.0.0",
                "pwdlib[argon2,bcrypt]>=0.3.0",
                "pytest>=7.4.3,<10.0.0",
            ),
            # Its settings take a PostgresDsn, so SQLite is refused: a PostgreSQL server
            # (the rest of its settings come from the checkout's .env).
            service="postgres",
            setup=(("alembic", "upgrade", "head"),),
            note="Python 3.13-era commit a727535, on PostgreSQL (a private cluster on loopback)",
        ),
        Library(
            name="slowapi",
            source="github:laurentS/slowapi@HEAD",
            requires=("limits>=2.3", "mock", "hiro", "requests", "httpx", "pytest", "starlette"),
            note="its 12 Starlette-app tests fail on FastAPI too: Starlette 1.x has no app.route",
        ),
        Library(
            # NOTE: its sdists on PyPI ship no tests (and 5.x builds with uv_build, which
            # needs a Rust toolchain here); the GitHub snapshot (4.3.4) does
            name="asgi-correlation-id",
            source="github:snok/asgi-correlation-id@HEAD",
            requires=(
                "starlette",
                "packaging",
                "celery",
                "pytest",
                "pytest-mock",
                "pytest-asyncio",
                "sentry-sdk",
                # its tests build AsyncClient(app=...), which httpx 0.28 removed
                "httpx<0.28",
                "requests",
                "websockets",
                # celery's own pytest plugin (celery_session_app/_worker), as its CI had it
                "pytest-celery<1",
            ),
            note="GitHub snapshot (4.3.4): its sdists ship no tests",
        ),
    )
}


def _read(path: str) -> str | None:
    """A stamp file's text, or None when there is none."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return f.read()


def run(cmd: list[str], **kwargs) -> None:
    """Run a set-up command, showing it, and stop on failure."""
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kwargs)


def fetch(lib: Library) -> str:
    """The library's project directory in the cache, unpacked once."""
    base = os.path.join(CACHE, lib.name)
    src = os.path.join(base, "src")
    stamp = os.path.join(base, ".source")
    if _read(stamp) != lib.source:
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(base, exist_ok=True)
        kind, _, what = lib.source.partition(":")
        if kind == "pypi":
            _unpack_sdist(what, base, src)
        elif kind == "github":
            _unpack_snapshot(what, src)
        else:
            raise SystemExit(f"{lib.name}: unknown source {lib.source!r}")
        with open(stamp, "w") as f:
            f.write(lib.source)
    return os.path.join(src, lib.subdir) if lib.subdir else src


def _unpack_sdist(requirement: str, base: str, src: str) -> None:
    downloads = os.path.join(base, "sdist")
    shutil.rmtree(downloads, ignore_errors=True)
    run([sys.executable, "-m", "pip", "download", "-q", "--no-binary", ":all:", "--no-deps",
         requirement, "-d", downloads])  # fmt: skip
    (archive,) = os.listdir(downloads)
    with tarfile.open(os.path.join(downloads, archive)) as tar:
        top = tar.getnames()[0].split("/")[0]
        tar.extractall(base, filter="data")
    os.rename(os.path.join(base, top), src)


def _unpack_snapshot(what: str, src: str) -> None:
    repo, _, ref = what.partition("@")
    git_dir = os.path.join(MIRRORS, repo.replace("/", "+"), "repo")
    if not os.path.isdir(git_dir):
        raise SystemExit(
            f"no snapshot of {repo} in {MIRRORS}: bring it with the session's fetch tool"
            f" (github:{repo}) or set FASTCORE_THIRDPARTY_MIRRORS"
        )
    os.makedirs(src)
    archive = subprocess.run(
        ["git", "--git-dir", git_dir, "archive", ref or "HEAD"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "x", "-C", src], input=archive, check=True)
    commit = subprocess.run(
        ["git", "--git-dir", git_dir, "rev-parse", ref or "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(os.path.join(src, ".commit"), "w") as f:
        f.write(commit + "\n")


def venv(lib: Library, on: str, reinstall: bool) -> str:
    """The library's venv for ``on`` (fastcore or fastapi), its requirements installed."""
    path = os.path.join(VENVS, f"{lib.name}-{on}")
    python = os.path.join(path, "bin", "python")
    wanted = (FASTAPI,) if on == "fastapi" else ("-e", f"{ROOT}[pydantic]")
    key = hashlib.sha256(repr((wanted, lib.requires)).encode()).hexdigest()
    stamp = os.path.join(path, ".thirdparty")
    if not reinstall and _read(stamp) == key:
        return python
    shutil.rmtree(path, ignore_errors=True)
    run([sys.executable, "-m", "venv", path])
    pip = [python, "-m", "pip", "install", "-q"]
    run([*pip, "--upgrade", "pip"])
    # The compiled twins are the ones `make build` left in the tree (the install is editable).
    run([*pip, *wanted], env={**os.environ, "FASTCORE_NO_EXTENSIONS": "1"})
    run([*pip, *lib.requires])
    if on == "fastcore":
        # A requirement may pull the real FastAPI in; the alias alone must answer `fastapi`.
        subprocess.run([python, "-m", "pip", "uninstall", "-q", "-y", "fastapi"], check=False)
        probe = "import importlib.util as u; assert u.find_spec('fastapi') is None"
        run([python, "-c", probe])
    with open(stamp, "w") as f:
        f.write(key)
    return python


def hook_dir() -> str:
    """A directory holding the alias plugin, put first on the test run's PYTHONPATH."""
    path = os.path.join(CACHE, "hook")
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "fastcore_alias_hook.py"), "w") as f:
        f.write(HOOK)
    return path


@dataclasses.dataclass
class Outcome:
    """What a run's JUnit file says: counts, and each failure's test id and message."""

    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[tuple[str, str]] = dataclasses.field(default_factory=list)


def read_junit(path: str) -> Outcome:
    """Count the test cases (errors count as failures, as the issue's figures do)."""
    outcome = Outcome()
    for case in ET.parse(path).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        if bad is not None:
            outcome.failed += 1
            outcome.failures.append((name, bad.get("message") or bad.text or ""))
        elif case.find("skipped") is not None:
            outcome.skipped += 1
        else:
            outcome.passed += 1
    return outcome


def cause(message: str) -> str:
    """A failure's message reduced to its kind, so failures of one cause group together."""
    line = message.strip().splitlines()[0] if message.strip() else "(no message)"
    line = re.sub(r"0x[0-9a-f]+", "0x…", line)
    line = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", line)
    return line[:160]


PG_PORT = 54329


def postgres(base: str) -> tuple[dict[str, str], list[str]]:
    """A private PostgreSQL cluster in ``base/pg`` on 127.0.0.1, with an empty database
    ``app``: the environment naming it, and the command that stops it."""
    bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if d.isdigit())
    if not bins:
        raise SystemExit("PostgreSQL is needed: apt-get install postgresql")
    bin_dir = f"/usr/lib/postgresql/{bins[-1]}/bin"
    data = os.path.join(base, "pg", "data")
    sock = os.path.join(base, "pg")
    # NOTE: the server refuses to run as root; it runs as Debian's postgres user then
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    os.makedirs(sock, exist_ok=True)
    if as_user:
        shutil.chown(sock, "postgres")
    if not os.path.isdir(data):
        run([*as_user, f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust"])
    options = f"-p {PG_PORT} -k {sock} -c listen_addresses=127.0.0.1"
    log = os.path.join(sock, "server.log")
    run([*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "start"])
    psql = [f"{bin_dir}/psql", "-q", "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres"]
    run([*psql, "-c", "DROP DATABASE IF EXISTS app"])
    run([*psql, "-c", "CREATE DATABASE app"])
    env = {
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{PG_PORT}/app",
        "POSTGRES_SERVER": "127.0.0.1",
        "POSTGRES_PORT": str(PG_PORT),
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
        "POSTGRES_DB": "app",
    }
    return env, [*as_user, f"{bin_dir}/pg_ctl", "-D", data, "-m", "fast", "stop"]


def test(lib: Library, on: str, args: argparse.Namespace) -> Outcome:
    """Run the library's tests in its venv; the JUnit file lands beside its source."""
    project = fetch(lib)
    python = venv(lib, on, args.reinstall)
    junit = os.path.join(CACHE, lib.name, f"junit-{on}.xml")
    cmd = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={junit}"]
    env = {**os.environ, **dict(lib.env)}
    env.pop("PYTHONPATH", None)
    path = [project]
    if on == "fastcore":
        cmd += ["-p", "fastcore_alias_hook"]
        path.insert(0, hook_dir())
    env["PYTHONPATH"] = os.pathsep.join(path)
    cmd += list(lib.tests)
    if args.k:
        cmd += ["-k", args.k]
    cmd += args.pytest_args.split()
    log = os.path.join(CACHE, lib.name, f"pytest-{on}.log")
    stop: list[str] = []
    if lib.service == "postgres":
        service_env, stop = postgres(os.path.join(CACHE, lib.name))
        env.update(service_env)
    try:
        for command in lib.setup:
            run([python, "-m", *command], cwd=project, env=env)
        print("+", " ".join(cmd), f"> {log}", flush=True)
        with open(log, "w") as out:
            subprocess.run(cmd, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
    finally:
        if stop:
            run(stop)
    if not os.path.exists(junit):
        raise SystemExit(f"{lib.name}: pytest wrote no report; see {log}")
    return read_junit(junit)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("libs", nargs="*", help=f"any of {', '.join(LIBRARIES)} (default: all)")
    parser.add_argument("--on", choices=("fastcore", "fastapi"), default="fastcore")
    parser.add_argument("--why", action="store_true", help="group the failures by message")
    parser.add_argument("-k", help="pytest's -k expression")
    parser.add_argument("--pytest-args", default="", help="more pytest options, one string")
    parser.add_argument("--reinstall", action="store_true", help="build the venv anew")
    args = parser.parse_args()
    unknown = [name for name in args.libs if name not in LIBRARIES]
    if unknown:
        parser.error(f"unknown libraries {unknown}; known: {list(LIBRARIES)}")
    results = {}
    for name in args.libs or LIBRARIES:
        lib = LIBRARIES[name]
        results[name] = outcome = test(lib, args.on, args)
        if args.why and outcome.failures:
            causes = collections.Counter(cause(message) for _, message in outcome.failures)
            print(f"{name}: failures by cause")
            for text, count in causes.most_common():
                print(f"  {count:4d}  {text}")
    print()
    for name, outcome in results.items():
        note = f"  ({LIBRARIES[name].note})" if LIBRARIES[name].note else ""
        print(f"{name}: {outcome.passed} passed, {outcome.failed} failed{note}")
    total_passed = sum(o.passed for o in results.values())
    total_failed = sum(o.failed for o in results.values())
    print(f"{total_passed} passed, {total_failed} failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
