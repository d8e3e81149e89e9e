"""The test client's cookie jar: what Set-Cookie headers set, sent back on later requests.

Keyed by name for the mapping API tests use (``client.cookies["k"]``), with domain, path,
Secure and expiry kept aside so that a cookie goes only where a browser would send it.
"""

from __future__ import annotations

import time
from collections.abc import (
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
)
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

__all__ = ["Cookies"]

_MISSING = object()


class _Target(NamedTuple):
    scheme: str
    host: str
    port: int
    netloc: str
    raw_path: bytes
    query: bytes

    @property
    def url(self) -> str:
        query = "?" + self.query.decode("ascii") if self.query else ""
        return f"{self.scheme}://{self.netloc}{self.raw_path.decode('ascii')}{query}"


class _Cookie(NamedTuple):
    name: str
    value: str
    domain: str  # "" matches every host
    path: str
    secure: bool
    expires: float | None


def _parse_set_cookie(header: str, host: str, request_path: str) -> _Cookie | None:
    """One ``Set-Cookie`` header as the jar keeps it; ``expires`` is 0 for a deletion."""
    first, *attributes = header.split(";")
    name, sep, value = first.partition("=")
    if not sep or not name.strip():
        return None
    attrs: dict[str, str] = {}
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        attrs[key.strip().lower()] = val.strip()
    path = attrs.get("path") or request_path.rsplit("/", 1)[0] or "/"
    domain = attrs.get("domain", "").lstrip(".").lower() or host
    return _Cookie(name.strip(), value.strip(), domain, path, "secure" in attrs, _expiry(attrs))


def _expiry(attrs: dict[str, str]) -> float | None:
    if "max-age" in attrs:
        try:
            age = int(attrs["max-age"])
        except ValueError:
            age = None
        if age is not None:
            return 0.0 if age <= 0 else time.time() + age
    if attrs.get("expires"):
        try:
            return parsedate_to_datetime(attrs["expires"]).timestamp()
        except (TypeError, ValueError):
            return None
    return None


def _path_matches(cookie_path: str, path: str) -> bool:
    if path == cookie_path:
        return True
    return path.startswith(cookie_path) and (
        cookie_path.endswith("/") or path[len(cookie_path)] == "/"
    )


class Cookies(MutableMapping[str, str]):
    """The client's cookie jar, as a name -> value mapping with domain and path kept aside."""

    def __init__(self, cookies: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
        self._jar: dict[tuple[str, str, str], _Cookie] = {}
        if cookies is not None:
            items = cookies.items() if isinstance(cookies, Mapping) else cookies
            for name, value in items:
                self.set(name, value)

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        self._jar[(name, domain, path)] = _Cookie(name, value, domain, path, False, None)

    def get(self, name: str, default: Any = None, domain: str | None = None) -> Any:
        for cookie in self._jar.values():
            if cookie.name == name and domain in (None, cookie.domain):
                return cookie.value
        return default

    def store(self, cookie: _Cookie) -> bool:
        """Keep a cookie a response set, or drop it when it arrives already expired."""
        key = (cookie.name, cookie.domain, cookie.path)
        if cookie.expires is not None and cookie.expires <= time.time():
            self._jar.pop(key, None)
            return False
        self._jar[key] = cookie
        return True

    def header_for(self, target: _Target, path: str) -> list[tuple[str, str]]:
        """Cookies to send to ``target``: longest path first, as http.cookiejar orders them."""
        now = time.time()
        found = [
            c
            for c in self._jar.values()
            if (not c.domain or c.domain == target.host or target.host.endswith("." + c.domain))
            and _path_matches(c.path, path)
            and (not c.secure or target.scheme in ("https", "wss"))
            and (c.expires is None or c.expires > now)
        ]
        found.sort(key=lambda c: -len(c.path))
        return [(c.name, c.value) for c in found]

    def __getitem__(self, name: str) -> str:
        value = self.get(name, _MISSING)
        if value is _MISSING:
            raise KeyError(name)
        return str(value)

    def __setitem__(self, name: str, value: str) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        keys = [key for key in self._jar if key[0] == name]
        if not keys:
            raise KeyError(name)
        for key in keys:
            del self._jar[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(key[0] for key in self._jar))

    def __len__(self) -> int:
        return len({key[0] for key in self._jar})

    def __repr__(self) -> str:
        return f"<Cookies {dict(self)!r}>"
