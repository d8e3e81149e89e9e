"""``fastcore.testclient``: HTTP and WebSocket sessions beside Starlette's client."""
