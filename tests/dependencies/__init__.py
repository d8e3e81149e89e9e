"""Dependencies (``fastcore/dependencies/``): kinds of callables, yield cleanup, overrides."""
