"""Settings for every test: hypothesis's profiles, and what is not collected. The helpers
tests share are in ``tests/support/`` (``builds.py``: which build a run tests).
"""

from __future__ import annotations

import os


def _hypothesis_profiles() -> None:
    """CI explores the same examples on every run, so a landing is never decided by luck;
    developers' runs keep exploring new ones (and keep the failures they find)."""
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, database=None, deadline=None)
    if os.environ.get("CI"):
        settings.load_profile("ci")


_hypothesis_profiles()

#: A FastAPI project run by tests/test_alias.py in its own pytest process, under the alias.
collect_ignore = ["alias_project"]
