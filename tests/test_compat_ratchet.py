"""The `make compat` ratchet (scripts/compat.py) over a fake suite: it fails below the recorded
figure and on a broken harness, and passes at or above it."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_compat():
    spec = importlib.util.spec_from_file_location("_compat_script", f"{ROOT}/scripts/compat.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def run(tmp_path, monkeypatch):
    def run(output: str, status: int, floor: str, *extra: str) -> int:
        fake = tmp_path / "fake-suite"
        fake.write_text(f"#!/usr/bin/env bash\nprintf '%s\\n' {output!r}\nexit {status}\n")
        (tmp_path / "floor.txt").write_text(floor)
        monkeypatch.setenv("FASTCORE_COMPAT_SUITE", str(fake))
        args = ["--out", str(tmp_path / "out"), "--floor", str(tmp_path / "floor.txt")]
        return load_compat().main([*args, *extra])

    return run


def test_below_the_recorded_figure_fails(run, capsys):
    assert run("1356 passed, 42 failed", 1, "1357  # comment\n") == 1
    assert "below the recorded 1357" in capsys.readouterr().err


def test_at_or_above_the_recorded_figure_passes(run, capsys):
    assert run("1357 passed, 41 failed", 1, "1357\n") == 0
    assert run("1360 passed, 38 failed", 1, "# figure\n1357\n") == 0
    assert "raise" in capsys.readouterr().out


def test_a_harness_error_fails_even_with_a_good_figure(run):
    assert run("1398 passed, 0 failed", 2, "1357\n") == 2


def test_no_figure_printed_fails(run):
    with pytest.raises(SystemExit) as exc:
        run("pytest crashed", 1, "1357\n")
    assert exc.value.code == 2


def test_a_subset_is_reported_but_not_ratcheted(run):
    assert run("10 passed, 5 failed", 1, "1357\n", "--", "--area", "body") == 0


def test_the_recorded_figure_is_in_the_repository():
    assert load_compat().read_floor(f"{ROOT}/tests/compat/suite-floor.txt") >= 1357


@pytest.mark.skipif(sys.platform == "win32", reason="bash script")
def test_the_vendored_harness_is_complete():
    names = os.listdir(f"{ROOT}/scripts/compat")
    for name in ("fastapi-suite", "run_fastapi_suite.sh", "suite_tools.py"):
        assert name in names
