"""Types of ``fastcore._speedups.query``; the same surface as ``fastcore._pure.query``."""

__all__ = ["parse_query"]

def parse_query(qs: bytes) -> list[tuple[str, str]]: ...
