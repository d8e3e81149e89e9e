"""FastAPI's own test suite outside the tutorial, run against fastcore (issue 9's instrument).

FastAPI 0.165.0's sdist ships ``tests/`` (about 3,800 tests beside the tutorial's 1,398, which
``make compat`` runs). This script downloads that sdist once into a cache directory, extracts
``tests/``, ``docs_src/``, ``docs/`` and ``scripts/`` (never the ``fastapi/`` package) into a
throw-away directory, points every ``fastapi`` import at fastcore with the tutorial harness's
``rewrite_tree`` (``scripts/compat/suite_tools.py``), blocks the real ``fastapi`` import, and
runs pytest on ``tests/`` without ``tests/test_tutorial`` as a user's pytest runs (warnings
plugin on) with a per-test timeout. It prints passed/failed per test file and, last,
"N passed, M failed" (M counts failures and errors; a file that fails to import counts as
the tests FastAPI collects in it, from the baseline file, so N + M stays comparable).

    .venv/bin/python scripts/fastapi_tests.py                       # fastcore
    .venv/bin/python scripts/fastapi_tests.py --target fastapi      # real FastAPI (reference)
    .venv/bin/python scripts/fastapi_tests.py -- tests/test_x.py -x  # a subset (pytest args)

The run writes ``junit.xml``, ``pytest.log``, ``table.txt`` and ``failures.txt`` (one line per
failing test: id, then the first line of its error) into ``--out`` (default
``build/fastapi-tests``). Not part of ``make test``: it takes several minutes and CI does not
need it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "compat"))
import suite_tools  # noqa: E402  (the tutorial harness's rewrite and conftest)

VERSION = "0.165.0"
EXTRACT = ("tests/", "docs_src/", "docs/", "scripts/")
# the tutorial harness's cache (fastapi-suite keeps the same sdist there)
DEFAULT_CACHE = (
    Path(
        os.environ.get("FASTAPI_SUITE_CACHE")
        or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fastcore-compat"
    )
    / "sdist"
)
REQUIREMENTS = ROOT / "scripts" / "compat" / "requirements-suite.txt"
# per-file test counts on real FastAPI (--save-baseline): a file that does not import counts so
BASELINE = ROOT / "scripts" / f"fastapi-tests-{VERSION}.json"


def sdist(cache: Path, version: str) -> Path:
    """The sdist in the cache, downloaded with pip the first time."""
    path = cache / f"fastapi-{version}.tar.gz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
        subprocess.run([*cmd, f"fastapi=={version}", "-d", str(cache)], check=True)
    return path


def ensure_requirements() -> None:
    """The suite's test-time packages in this interpreter (once; again when the list changes)."""
    stamp = Path(sys.prefix) / ".fastapi-suite-deps"
    if stamp.exists() and stamp.stat().st_mtime >= REQUIREMENTS.stat().st_mtime:
        return
    cmd = [sys.executable, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)]
    subprocess.run(cmd, check=True)
    stamp.touch()


def extract(archive: Path, work: Path) -> None:
    """The sdist's test tree and what it reads, without the fastapi package or its config."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            _, _, rel = member.name.partition("/")
            if not rel.startswith(EXTRACT) or not (member.isfile() or member.isdir()):
                continue
            member.name = rel
            tar.extract(member, work, filter="data")


def file_of(classname: str, work: Path) -> str:
    """The test file a junit classname names (``tests.test_x.TestY`` -> ``tests/test_x.py``)."""
    parts = classname.split(".")
    for end in range(len(parts), 0, -1):
        rel = "/".join(parts[:end]) + ".py"
        if (work / rel).exists():
            return rel
    return "/".join(parts) or "(unknown)"


def read_junit(path: Path, work: Path) -> list[dict]:
    """One dict per testcase: file, id, outcome, first line of the error."""
    cases = []
    for tc in ET.parse(path).iter("testcase"):
        classname, name = tc.get("classname", ""), tc.get("name", "")
        if not classname:  # a module skipped as a whole: its dotted name is the name
            classname, name = name, "(module)"
        outcome, message = "passed", ""
        for child in tc:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                message = child.get("message") or (child.text or "").strip()
                break
            if child.tag == "skipped":
                outcome = "xfailed" if child.get("type") == "pytest.xfail" else "skipped"
        collection = outcome == "error" and message.startswith("collection failure")
        if collection:  # the module itself: classname "tests", name "test_x"
            classname = f"{classname}.{name}" if classname else name
            name = "(collection)"
            text = (tc.find("error").text or "") if tc.find("error") is not None else ""
            lines = [ln for ln in text.splitlines() if ln.startswith("E ")]
            message = lines[-1][1:].strip() if lines else message
        cases.append(
            {
                "file": file_of(classname, work),
                "id": f"{classname}::{name}",
                "outcome": outcome,
                "collection": collection,
                "message": " ".join(message.split())[:300],
            }
        )
    return cases


def report(cases: list[dict], baseline: dict[str, int], out: Path) -> tuple[int, int]:
    """Per-file table into table.txt and stdout; failures.txt; returns (passed, failed)."""
    per: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for case in cases:
        per[case["file"]]["collection" if case["collection"] else case["outcome"]] += 1
    rows, passed, failed = [], 0, 0
    for name in sorted(per):
        c = per[name]
        bad = c["failed"] + c["error"]
        if c["collection"]:
            bad += max(baseline.get(name, 1), 1)
        passed += c["passed"]
        failed += bad
        note = " (does not import)" if c["collection"] else ""
        rows.append(f"{name:<70} {c['passed']:>5} {bad:>5} {c['skipped'] + c['xfailed']:>5}{note}")
    head = f"{'file':<70} {'pass':>5} {'fail':>5} {'skip':>5}"
    lines = [head, *rows, f"{passed} passed, {failed} failed"]
    (out / "table.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(out / "failures.txt", "w", encoding="utf-8") as f:
        for case in cases:
            if case["outcome"] in ("failed", "error"):
                f.write(f"{case['id']}\t{case['message']}\n")
    print("\n".join(lines))
    return passed, failed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--target", default="fastcore", help="the package that replaces fastapi")
    parser.add_argument("--version", default=VERSION, help="FastAPI's sdist to take the tests from")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the sdist is kept")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fastapi-tests")
    parser.add_argument("--timeout", type=int, default=20, help="per test, seconds (FastAPI's own)")
    parser.add_argument("--keep", action="store_true", help="keep the extracted work directory")
    parser.add_argument(
        "--save-baseline", action="store_true", help="record per-file test counts (run on fastapi)"
    )
    parser.add_argument("pytest_args", nargs="*", help="instead of tests/ (after --)")
    args = parser.parse_args(argv)

    archive = sdist(args.cache, args.version)
    ensure_requirements()
    work = Path(tempfile.mkdtemp(prefix="fastapi-tests."))
    try:
        extract(archive, work)
        if args.target != "fastapi":
            suite_tools.rewrite_tree(work, args.target, [])
        suite_tools.write_config(work)
        args.out.mkdir(parents=True, exist_ok=True)
        junit = args.out / "junit.xml"
        junit.unlink(missing_ok=True)
        paths = args.pytest_args or ["tests", "--ignore=tests/test_tutorial"]
        cmd = [
            sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider",
            "--continue-on-collection-errors", f"--junitxml={junit}",
            "-o", "junit_family=xunit2", "--inline-snapshot=disable",
            f"--timeout={args.timeout}",
        ]  # fmt: skip
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", FASTAPI_SUITE_TARGET=args.target)
        env["FASTAPI_SUITE_BLOCK"] = "fastapi" if args.target != "fastapi" else ""
        print(
            f"fastapi-tests: FastAPI {args.version} tests on {args.target}, in {work}", flush=True
        )
        with open(args.out / "pytest.log", "w", encoding="utf-8") as log:
            status = subprocess.run(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
        if not junit.exists():
            print((args.out / "pytest.log").read_text()[-3000:], file=sys.stderr)
            print(f"fastapi-tests: pytest wrote no junit xml (exit {status.returncode})")
            return 2
        cases = read_junit(junit, work)
        if args.save_baseline:
            counts: dict[str, int] = defaultdict(int)
            for case in cases:
                counts[case["file"]] += 1
            BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1) + "\n")
        baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
        _, failed = report(cases, baseline, args.out)
        if status.returncode not in (0, 1):
            print(f"fastapi-tests: WARNING pytest exit {status.returncode}: counts may be partial")
            return 2
        return 0 if failed == 0 else 1
    finally:
        if args.keep:
            print(f"fastapi-tests: work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
