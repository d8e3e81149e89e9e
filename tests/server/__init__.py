"""fastcore's own server (``fastcore/server/``): the CLI, workers, logs and metrics, proxies,
TLS, the contract."""
