"""Small apps the tests serve in a real process: fastcore's server
(``tests/support/server_process.py``) or other ASGI servers."""
