#!/usr/bin/env bash
# Runs the whole suite, compiled and pure, on every Python from 3.10 to 3.13 found
# on PATH or under pyenv; each gets its own venv in .venv-matrix/<version>.
set -euo pipefail
cd "$(dirname "$0")/.."
found=0
for v in 3.10 3.11 3.12 3.13; do
  py=""
  # NOTE: pyenv's shims exist for every version but run only the active ones, so look in
  # the versions folder first and accept a PATH interpreter only if it really starts.
  for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*; do
    [ -x "$d/bin/python" ] && py="$d/bin/python"
  done
  if [ -z "$py" ] && command -v "python$v" >/dev/null 2>&1 \
      && "python$v" -c "import sys" >/dev/null 2>&1; then
    py="$(command -v "python$v")"
  fi
  if [ -z "$py" ]; then
    echo "== Python $v: not found, skipped"
    continue
  fi
  found=$((found + 1))
  venv=".venv-matrix/$v"
  echo "== Python $v ($py)"
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install -q --upgrade pip setuptools wheel
  "$venv/bin/python" -m pip install -q -e ".[test,dev]"
  "$venv/bin/python" setup.py -q build_ext --inplace
  FASTCORE_REQUIRE_EXTENSIONS=1 "$venv/bin/python" -m pytest -p no:cacheprovider
  FASTCORE_NO_EXTENSIONS=1 "$venv/bin/python" -m pytest -p no:cacheprovider
done
# NOTE: build_ext --inplace leaves .so files for each version side by side; they do not clash.
[ "$found" -gt 0 ] || { echo "no Python 3.10-3.13 found"; exit 1; }
