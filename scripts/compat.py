"""`make compat`: FastAPI 0.165's tutorial suite against fastcore, and the ratchet on its figure.

The suite (1,398 documentation tests, run by ``fastapi-suite``: the shared harness beside the
repository when it is there, else the copy in ``scripts/compat/``) is the compatibility
specification. This script runs it as a user's pytest would (warnings plugin on), prints its
per-area table and "N passed, M failed", and then compares N with the figure recorded in
``tests/compat/suite-floor.txt``:

- N below the recorded figure fails (exit 1): a change lost compatibility;
- N above it passes and says so, so whoever lands the gain raises the recorded figure;
- a harness error (the suite could not run, or pytest was interrupted) fails (exit 2), so a
  broken instrument never reads as a pass.

    .venv/bin/python scripts/compat.py [--out DIR] [--floor FILE] [-- EXTRA SUITE ARGS]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "compat", "fastapi-suite")
VENDORED = os.path.join(ROOT, "scripts", "compat", "fastapi-suite")
FIGURE = re.compile(r"^(\d+) passed, (\d+) failed$")


def suite_script() -> str:
    """The shared instrument when the checkout sits beside it, else the repository's copy.

    ``FASTCORE_COMPAT_SUITE`` names another script (the ratchet's own tests use a fake one).
    """
    override = os.environ.get("FASTCORE_COMPAT_SUITE")
    if override:
        return override
    return SHARED if os.path.exists(SHARED) else VENDORED


def read_floor(path: str) -> int:
    """The recorded figure: the first integer in the file (comments may follow)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                return int(line)
    raise SystemExit(f"compat: no figure recorded in {path}")


def run_suite(out: str, extra: list[str]) -> tuple[int, int, int]:
    """Runs the suite, echoing its output; returns (passed, failed, exit status)."""
    cmd = ["bash", suite_script(), "--python", sys.executable, "--out", out, *extra]
    print("compat:", " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    figure: tuple[int, int] | None = None
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace")
        sys.stdout.write(line)
        match = FIGURE.match(line.strip())
        if match:
            figure = (int(match.group(1)), int(match.group(2)))
    status = proc.wait()
    if figure is None:
        print(f"compat: the suite printed no figure (exit status {status})", file=sys.stderr)
        raise SystemExit(2)
    return figure[0], figure[1], status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "build", "compat"))
    parser.add_argument("--floor", default=os.path.join(ROOT, "tests", "compat", "suite-floor.txt"))
    parser.add_argument("extra", nargs="*", help="arguments passed on to fastapi-suite")
    args = parser.parse_args(argv)
    floor = read_floor(args.floor)
    passed, failed, status = run_suite(args.out, args.extra)
    if status not in (0, 1):
        print(f"compat: harness error (exit status {status}); see {args.out}", file=sys.stderr)
        return 2
    total = passed + failed
    if args.extra:
        print(f"compat: {passed} of {total} passed (a subset: the ratchet is not applied)")
        return 0
    if passed < floor:
        print(
            f"compat: FAILED: {passed} of {total} passed, below the recorded {floor} "
            f"({os.path.relpath(args.floor, ROOT)}); the failures are in {args.out}/pytest.log",
            file=sys.stderr,
        )
        return 1
    note = f"; raise {os.path.relpath(args.floor, ROOT)} to {passed}" if passed > floor else ""
    print(f"compat: {passed} of {total} passed (recorded floor {floor}){note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
