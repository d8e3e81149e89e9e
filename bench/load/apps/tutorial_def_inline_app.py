"""``tutorial_def_app`` with ``sync_inline=True``: its ``def`` handlers and dependencies are
called on the loop, not in the thread pool (fastcore's opt-in for code known not to block).
"""

from .tutorial_def_app import build

app = build(sync_inline=True)
