"""``fastapi.exception_handlers``'s import path: the default handlers, to call from your own."""

from fastcore.asgi import http_exception_handler, request_validation_exception_handler

__all__ = ["http_exception_handler", "request_validation_exception_handler"]
