"""Builds the Cython extensions; none when FASTCORE_NO_EXTENSIONS is set.

The sources live in ``_speedups/`` and install as ``fastcore._speedups.<name>``
(see ``package-dir`` in pyproject.toml).
"""

import os

from setuptools import Extension, setup

EXTENSIONS = ["protocol", "query", "router"]


def _extensions() -> list[Extension]:
    if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1":
        return []
    from Cython.Build import cythonize

    modules = [
        Extension(
            f"fastcore._speedups.{name}", [f"_speedups/{name}.pyx"], extra_compile_args=["-O2"]
        )
        for name in EXTENSIONS
    ]
    return cythonize(
        modules,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
    )


setup(ext_modules=_extensions())
