"""fastcore's tests, laid out like the package (``tests/server/http/`` tests
``fastcore/server/http/``, ...); the harnesses they share are in ``tests/support/``."""
