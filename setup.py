"""Builds the Cython extensions; none when FASTCORE_NO_EXTENSIONS is set.

Each compiled source sits beside the pure module it twins and installs as an extension
module of the same package, named ``_<name>_c`` (see fastcore/_accel.py). A twin written
once (Cython's pure-Python mode) is compiled from the pure module's own ``.py``, with its C
declarations in the ``_<name>_c.pxd`` beside it.
"""

import os

from setuptools import Extension, setup

#: The compiled twins, by module name; the source is the module's path + ``.pyx``.
EXTENSIONS = [
    "fastcore._routing._query_c",
    "fastcore._routing._router_c",
    "fastcore.server.http._http11_c",
    "fastcore.server.http._protocol_c",
]
#: The twins written once: the compiled module's name and the pure module it is built from.
ONE_SOURCE = {
    "fastcore._planning._steps_c": "fastcore/_planning/steps.py",
    "fastcore.server.http._connection_c": "fastcore/server/http/connection.py",
    "fastcore.server.http._cycle_c": "fastcore/server/http/cycle.py",
    "fastcore.server.http._lane_c": "fastcore/server/http/lane.py",
}


def _stale_one_source() -> None:
    """Touch a one-source ``.py`` when a ``.pxd`` of its package changed since its last build.

    NOTE: cythonize's dependency tracking looks for ``cycle.pxd`` beside ``cycle.py``, not for
    the ``_cycle_c.pxd`` Cython reads for the module it compiles (nor what that cimports), so
    it would keep a stale build.
    """
    for source in ONE_SOURCE.values():
        folder = os.path.dirname(source)
        pxds = [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".pxd")]
        generated = source[: -len(".py")] + ".c"
        if (
            pxds
            and os.path.exists(generated)
            and max(map(os.path.getmtime, pxds)) > os.path.getmtime(generated)
        ):
            os.utime(source)


def _extensions() -> list[Extension]:
    if os.environ.get("FASTCORE_NO_EXTENSIONS") == "1":
        return []
    from Cython.Build import cythonize

    sources = {name: name.replace(".", "/") + ".pyx" for name in EXTENSIONS} | ONE_SOURCE
    modules = [
        Extension(name, [source], extra_compile_args=["-O2"]) for name, source in sources.items()
    ]
    _stale_one_source()
    return cythonize(
        modules,
        compiler_directives={"language_level": "3", "boundscheck": False, "wraparound": False},
    )


setup(ext_modules=_extensions())
