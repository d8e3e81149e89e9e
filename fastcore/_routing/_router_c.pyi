"""Types of ``fastcore._routing._router_c``; the same surface as ``fastcore._routing.router``."""

__all__ = ["FOUND", "METHOD_NOT_ALLOWED", "NOT_FOUND", "Router", "parse_template"]

FOUND: int
METHOD_NOT_ALLOWED: int
NOT_FOUND: int

def parse_template(template: str) -> list[tuple[str, str]]: ...

class Router:
    def __init__(self) -> None: ...
    def add(self, method: str, template: str, target: object) -> None: ...
    def match(self, method: str, path: str) -> tuple[int, object, dict[str, object] | None]: ...
