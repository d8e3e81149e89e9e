"""Builds the Cython extensions; none when FASTCORE_NO_EXTENSIONS is set.

Each compiled source sits beside the pure module it twins and installs as an extension
module of the same package, named ``_<name>_c`` (see fastcore/_accel.py).
"""

import os

from setuptools import Extension, setup

#: The compiled twins, by module name; the source is the module's path + ``.pyx``.
EXTENSIONS = [
    "fastcore._routing._query_c",
    "fastcore._routing._router_c",
    "fastcore.server.http._protocol_c",
]


def _extensions() -> list[Extension]:
    if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1":
        return []
    from Cython.Build import cythonize

    modules = [
        Extension(name, [name.replace(".", "/") + ".pyx"], extra_compile_args=["-O2"])
        for name in EXTENSIONS
    ]
    return cythonize(
        modules,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
    )


setup(ext_modules=_extensions())
