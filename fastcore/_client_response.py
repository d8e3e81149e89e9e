"""The test client's response object: the httpx ``Response`` attributes tests read.

Split from ``fastcore.testclient`` so that module stays about driving the app; import
these names from there.
"""

from __future__ import annotations

import json as jsonlib
import re
import zlib
from collections.abc import (
    Iterator,
)
from http import HTTPStatus
from typing import Any

from fastcore.datastructures import URL, Headers

__all__ = ["HTTPStatusError", "Response"]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class HTTPStatusError(Exception):
    """Raised by ``Response.raise_for_status`` for a non-2xx answer, like httpx's class."""

    def __init__(self, message: str, *, request: _Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


_MISSING = object()


class _ResponseHeaders(Headers):
    """Response headers with httpx's reading: repeated headers join with ", "."""

    __slots__ = ()

    def __getitem__(self, key: str) -> str:
        values = self.getlist(key)
        if not values:
            raise KeyError(key)
        return ", ".join(values)

    def get(self, key: str, default: Any = None) -> Any:
        values = self.getlist(key)
        return ", ".join(values) if values else default

    def multi_items(self) -> list[tuple[str, str]]:
        return self.items()

    def get_list(self, key: str) -> list[str]:
        return self.getlist(key)


class _Request:
    """What was sent, kept on ``Response.request`` for assertions and error messages."""

    __slots__ = ("content", "headers", "method", "url")

    def __init__(self, method: str, url: URL, headers: Headers, content: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {str(self.url)!r})>"


class Response:
    """The answer to one request, with the httpx ``Response`` attributes tests read."""

    http_version = "HTTP/1.1"

    def __init__(
        self, status_code: int, raw_headers: list[tuple[bytes, bytes]], content: bytes
    ) -> None:
        self.status_code = status_code
        self.headers = _ResponseHeaders(raw=raw_headers)
        self.content = _decode_content(self.headers, content)
        self.cookies: dict[str, str] = {}
        self.history: list[Response] = []
        self.request: _Request
        self.template: Any = None
        self.context: Any = None
        self._encoding: str | None = None

    @property
    def url(self) -> URL:
        return self.request.url

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            content_type = self.headers.get("content-type", "")
            match = re.search(r"charset=[\"']?([\w.-]+)", content_type, re.IGNORECASE)
            self._encoding = match.group(1) if match else "utf-8"
        return self._encoding

    @encoding.setter
    def encoding(self, value: str) -> None:
        self._encoding = value

    @property
    def text(self) -> str:
        try:
            return self.content.decode(self.encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self, **kwargs: Any) -> Any:
        return jsonlib.loads(self.content, **kwargs)

    def read(self) -> bytes:
        return self.content

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        size = chunk_size or max(len(self.content), 1)
        for start in range(0, len(self.content), size):
            yield self.content[start : start + size]

    def close(self) -> None:
        """Nothing to release: the body was read before the request returned."""

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    @property
    def is_informational(self) -> bool:
        return 100 <= self.status_code < 200

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        return self.status_code in _REDIRECTS and "location" in self.headers

    @property
    def is_client_error(self) -> bool:
        return 400 <= self.status_code < 500

    @property
    def is_server_error(self) -> bool:
        return 500 <= self.status_code < 600

    @property
    def is_error(self) -> bool:
        return 400 <= self.status_code < 600

    def raise_for_status(self) -> Response:
        if self.is_success:
            return self
        kinds = {1: "Informational response", 3: "Redirect response", 4: "Client error"}
        kind = kinds.get(self.status_code // 100, "Server error")
        message = f"{kind} '{self.status_code} {self.reason_phrase}' for url '{self.url}'"
        if self.is_redirect:
            message += f"\nRedirect location: '{self.headers['location']}'"
        raise HTTPStatusError(message, request=self.request, response=self)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"


def _decode_content(headers: Headers, content: bytes) -> bytes:
    """Undo gzip/deflate: the client advertises them, as httpx does, so it must decode them."""
    encoding = headers.get("content-encoding")
    if not encoding or not content:
        return content
    for coding in reversed([c.strip().lower() for c in encoding.split(",")]):
        if coding in ("gzip", "x-gzip"):
            content = zlib.decompress(content, zlib.MAX_WBITS | 16)
        elif coding == "deflate":
            try:
                content = zlib.decompress(content)
            except zlib.error:
                content = zlib.decompress(content, -zlib.MAX_WBITS)
    return content
