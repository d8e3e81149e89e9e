"""Types of ``fastcore._routing._query_c``; the same surface as ``fastcore._routing.query``."""

__all__ = ["parse_query"]

def parse_query(qs: bytes) -> list[tuple[str, str]]: ...
