"""mkdocs hooks (``hooks:`` in mkdocs.yml): what the site takes from the code at build time.

- ``fastcore run --help``, run by the build and written to ``build/docs/fastcore-run-help.txt``,
  which docs/server.md includes (pymdownx.snippets): the flags and defaults on the site are
  always the installed CLI's.
- docs/websockets.md and docs/streaming.md are written by the helper that builds those
  features. Until a page exists, the build adds a short one saying what this build has (found
  by importing fastcore), so the nav and the links to it never break and never overclaim.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "build" / "docs"


def run_help() -> str:
    """``python -m fastcore run --help`` at a fixed width, so the text is the same everywhere."""
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "fastcore", "run", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.rstrip() + "\n"


def on_pre_build(config: Any) -> None:
    GENERATED.mkdir(parents=True, exist_ok=True)
    target = GENERATED / "fastcore-run-help.txt"
    text = run_help()
    if not target.exists() or target.read_text() != text:
        target.write_text(text)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def _websockets_page() -> str:
    if _has("fastcore.websockets"):
        status = (
            "This build has `fastcore.websockets`; its guide is not written yet. The "
            "[reference](reference/index.md) lists what the installed fastcore exports."
        )
    else:
        status = (
            "This build of fastcore has no WebSocket routes yet (`@app.websocket` and "
            "`fastcore.websockets` are being built; issue 13). `fastcore.WebSocketException` "
            "exists, for code shared with FastAPI apps."
        )
    return f'# WebSockets\n\n!!! note "Status"\n    {status}\n'


def _streaming_page() -> str:
    parts = [
        "`fastcore.responses.StreamingResponse` (Starlette's) streams any iterator or async "
        "iterator of bytes or text, and `FileResponse` streams a file; both work today."
    ]
    if _has("fastcore.sse"):
        parts.append("This build has `fastcore.sse`; its guide is not written yet.")
    else:
        parts.append(
            "Server-sent events (`fastcore.sse`) and streaming from a handler that `yield`s "
            "are being built (issue 13) and are not in this build."
        )
    body = " ".join(parts)
    # The example is a docs_src file, run by tests/docs/test_streaming.py like every other.
    example = '```python\n--8<-- "docs_src/streaming/numbers.py"\n```\n'
    return f'# Streaming\n\n!!! note "Status"\n    {body}\n\n{example}'


PLACEHOLDERS = {"websockets.md": _websockets_page, "streaming.md": _streaming_page}


def on_files(files: Files, config: Any) -> Files:
    for name, page in PLACEHOLDERS.items():
        if files.get_file_from_path(name) is None:
            files.append(File.generated(config, name, content=page()))
    return files
