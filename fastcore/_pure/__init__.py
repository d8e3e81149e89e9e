"""Pure-Python twins of the compiled modules in ``_speedups/``: same names, same behaviour."""
