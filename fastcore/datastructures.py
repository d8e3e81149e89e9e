"""Headers, query parameters, URLs, forms, uploads and state: the Starlette names FastAPI imports.

They keep Starlette's semantics (latin-1 header bytes, case-insensitive lookups, last value
wins for single-value access) so that code written against ``starlette.datastructures`` keeps
working after an import change, without fastcore depending on Starlette.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, MutableMapping, Sequence
from typing import Any, NamedTuple, TypeVar, Union
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

from fastcore._defaults import Default, DefaultPlaceholder
from fastcore.concurrency import run_in_threadpool

__all__ = [
    "URL",
    "Address",
    "Default",
    "DefaultPlaceholder",
    "FormData",
    "Headers",
    "ImmutableMultiDict",
    "MutableHeaders",
    "QueryParams",
    "State",
    "UploadFile",
]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# NOTE: characters that would change the meaning of a URL if a Host header carried them.
_BAD_HOST_CHARS = frozenset("/?#@\\ \t\r\n")

_V = TypeVar("_V")
_MultiSource = Union[
    "ImmutableMultiDict[Any]", Mapping[Any, Any], Iterable[tuple[Any, Any]], str, bytes
]


class Address(NamedTuple):
    """The ``(host, port)`` of a peer, as ASGI's ``client`` and ``server`` scope keys give it."""

    host: str
    port: int


def _lower_key(key: str) -> bytes:
    return key.lower().encode("latin-1")


class Headers(Mapping[str, str]):
    """Read-only, case-insensitive view of HTTP headers that keeps duplicates and order.

    The raw list of lower-cased ``(bytes, bytes)`` pairs is what ASGI carries, so wrapping it
    costs nothing per request; strings are decoded as latin-1 only when asked for.
    """

    __slots__ = ("_list",)

    def __init__(
        self,
        headers: Mapping[str, str] | None = None,
        raw: list[tuple[bytes, bytes]] | None = None,
        scope: MutableMapping[str, Any] | None = None,
    ) -> None:
        if sum(x is not None for x in (headers, raw, scope)) > 1:
            raise TypeError("Pass only one of 'headers', 'raw' or 'scope'.")
        self._list: list[tuple[bytes, bytes]]
        if headers is not None:
            self._list = [(_lower_key(k), v.encode("latin-1")) for k, v in headers.items()]
        elif raw is not None:
            self._list = raw
        elif scope is not None:
            hs = scope["headers"]
            if not isinstance(hs, list):
                # NOTE: written back so a MutableHeaders over the scope edits what the app sees.
                hs = scope["headers"] = list(hs)
            self._list = hs
        else:
            self._list = []

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return list(self._list)

    def keys(self) -> list[str]:  # type: ignore[override]
        return [k.decode("latin-1") for k, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [v.decode("latin-1") for _, v in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._list]

    def get(self, key: str, default: Any = None) -> Any:
        want = _lower_key(key)
        for k, v in self._list:
            if k == want:
                return v.decode("latin-1")
        return default

    def getlist(self, key: str) -> list[str]:
        want = _lower_key(key)
        return [v.decode("latin-1") for k, v in self._list if k == want]

    def mutablecopy(self) -> MutableHeaders:
        return MutableHeaders(raw=list(self._list))

    def __getitem__(self, key: str) -> str:
        want = _lower_key(key)
        for k, v in self._list:
            if k == want:
                return v.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        want = _lower_key(key)
        return any(k == want for k, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted(self._list) == sorted(other._list)
        if isinstance(other, Mapping):
            return sorted(self._list) == sorted(Headers(headers=other)._list)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        as_dict = dict(self.items())
        if len(as_dict) == len(self):
            return f"{type(self).__name__}({as_dict!r})"
        return f"{type(self).__name__}(raw={self.raw!r})"


class MutableHeaders(Headers):
    """Headers a response or middleware edits in place; ``raw`` is the live list."""

    __slots__ = ()

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._list

    def __setitem__(self, key: str, value: str) -> None:
        """Replace every ``key`` header by one, kept where the first one was."""
        name = _lower_key(key)
        pair = (name, value.encode("latin-1"))
        found = [i for i, (k, _) in enumerate(self._list) if k == name]
        if not found:
            self._list.append(pair)
            return
        for i in reversed(found[1:]):
            del self._list[i]
        self._list[found[0]] = pair

    def __delitem__(self, key: str) -> None:
        name = _lower_key(key)
        self._list[:] = [item for item in self._list if item[0] != name]

    def setdefault(self, key: str, value: str) -> str:  # type: ignore[override]
        name = _lower_key(key)
        for k, v in self._list:
            if k == name:
                return v.decode("latin-1")
        self._list.append((name, value.encode("latin-1")))
        return value

    def update(self, other: Mapping[str, str] | None = None, **kwargs: str) -> None:
        for key, value in {**(other or {}), **kwargs}.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add a header even when one of that name exists (``set-cookie``, ``vary``)."""
        self._list.append((_lower_key(key), value.encode("latin-1")))

    def add_vary_header(self, vary: str) -> None:
        self["vary"] = ", ".join([*self.getlist("vary"), vary])

    def __ior__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            return NotImplemented
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> MutableHeaders:
        if not isinstance(other, Mapping):
            return NotImplemented
        new = self.mutablecopy()
        new.update(other)
        return new


class ImmutableMultiDict(Mapping[str, _V]):
    """A multi-dict: single-value access answers the last value, ``getlist`` all of them."""

    __slots__ = ("_dict", "_list")

    def __init__(self, *args: _MultiSource, **kwargs: Any) -> None:
        if len(args) > 1:
            raise TypeError(f"expected at most 1 positional argument, got {len(args)}")
        items = _pairs(args[0]) if args else []
        if kwargs:
            items += list(kwargs.items())
        self._list: list[tuple[str, _V]] = items
        self._dict: dict[str, _V] = dict(items)

    def getlist(self, key: str) -> list[_V]:
        return [v for k, v in self._list if k == key]

    def multi_items(self) -> list[tuple[str, _V]]:
        return list(self._list)

    def get(self, key: str, default: Any = None) -> Any:
        return self._dict.get(key, default)

    def keys(self) -> Any:
        return self._dict.keys()

    def values(self) -> Any:
        return self._dict.values()

    def items(self) -> Any:
        return self._dict.items()

    def __getitem__(self, key: str) -> _V:
        return self._dict[key]

    def __contains__(self, key: object) -> bool:
        return key in self._dict

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return sorted(self._list, key=_first) == sorted(other._list, key=_first)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.multi_items()!r})"


def _first(pair: tuple[str, Any]) -> str:
    return pair[0]


def _pairs(value: _MultiSource) -> list[tuple[Any, Any]]:
    if isinstance(value, ImmutableMultiDict):
        return value.multi_items()
    if isinstance(value, str | bytes):
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return parse_qsl(text, keep_blank_values=True)
    if isinstance(value, Mapping):
        return list(value.items())
    return [(k, v) for k, v in value]


class QueryParams(ImmutableMultiDict[str]):
    """The query string as a multi-dict of strings; ``str()`` gives it back url-encoded."""

    __slots__ = ()

    def __init__(self, *args: _MultiSource, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._list = [(str(k), str(v)) for k, v in self._list]
        self._dict = dict(self._list)

    def __str__(self) -> str:
        return urlencode(self._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class UploadFile:
    """An uploaded file: a spooled temporary file, in memory up to 1 MiB, then on disk.

    The async methods run the file call in the thread pool once the data is on disk, so a
    large upload never blocks the event loop; while it is in memory they call it directly,
    which costs less than a thread hop. Names and semantics follow Starlette's UploadFile.
    """

    #: Starlette's threshold: smaller uploads stay in memory, larger ones go to disk.
    spool_max_size = 1024 * 1024

    def __init__(
        self,
        file: Any = None,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        if file is None:
            # PERF: tempfile imported here, not at module level: it pulls shutil, bz2, lzma,
            # random and hashlib (~0.5 MiB RSS per worker, hashlib most of it), which an app
            # without uploads never needs.
            import tempfile

            # NOTE: no context manager: the file outlives this call; close() or the form closes it
            file = tempfile.SpooledTemporaryFile(max_size=self.spool_max_size)  # noqa: SIM115
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()

    @property
    def content_type(self) -> str | None:
        value: str | None = self.headers.get("content-type")
        return value

    @property
    def _in_memory(self) -> bool:
        # NOTE: a SpooledTemporaryFile says whether it rolled to disk; other files are disk.
        rolled = getattr(self.file, "_rolled", True)
        return not rolled

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        if self._in_memory:
            self.file.write(data)
        else:
            await run_in_threadpool(self.file.write, data)

    async def read(self, size: int = -1) -> bytes:
        if self._in_memory:
            return self.file.read(size)  # type: ignore[no-any-return]
        return await run_in_threadpool(self.file.read, size)

    async def seek(self, offset: int) -> None:
        if self._in_memory:
            self.file.seek(offset)
        else:
            await run_in_threadpool(self.file.seek, offset)

    async def close(self) -> None:
        """Close, and so remove, the temporary file; closing twice is harmless."""
        if self._in_memory:
            self.file.close()
        else:
            await run_in_threadpool(self.file.close)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(filename={self.filename!r}, size={self.size!r}, "
            f"headers={self.headers!r})"
        )


class FormData(ImmutableMultiDict[Union[UploadFile, str]]):
    """A parsed form: field values as strings, file parts as UploadFile objects."""

    __slots__ = ()

    async def close(self) -> None:
        """Close every uploaded file; called after the response, as Starlette's Request does."""
        for _, value in self._list:
            if isinstance(value, UploadFile):
                await value.close()


def _host_from_scope(scope: Mapping[str, Any], scheme: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"host":
            host = bytes(value).decode("latin-1")
            if host and not _BAD_HOST_CHARS.intersection(host):
                return host
            break
    server = scope.get("server")
    if server is None:
        return None
    host, port = server[0], server[1]
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return str(host)
    return f"{host}:{port}"


def _url_from_scope(scope: Mapping[str, Any]) -> str:
    scheme = scope.get("scheme", "http")
    # SECURITY: a decoded path may hold '?', '#' or '\'; re-escape them so they stay path.
    path = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    netloc = _host_from_scope(scope, scheme)
    if netloc is not None:
        return SplitResult(scheme, netloc, path, query, "").geturl()
    if path.startswith("//"):
        path = "/%2F" + path[2:]
    return f"{path}?{query}" if query else path


class URL:
    """A URL parsed lazily; built from a string, from components, or from an ASGI scope."""

    __slots__ = ("_components", "_url")

    def __init__(
        self, url: str = "", scope: Mapping[str, Any] | None = None, **components: Any
    ) -> None:
        if scope is not None:
            if url or components:
                raise TypeError("Pass either 'scope' or a URL / components, not both.")
            url = _url_from_scope(scope)
        elif components:
            if url:
                raise TypeError("Pass either a URL string or components, not both.")
            url = str(URL("").replace(**components))
        self._url = url
        self._components: SplitResult | None = None

    @property
    def components(self) -> SplitResult:
        if self._components is None:
            self._components = urlsplit(self._url)
        return self._components

    @property
    def scheme(self) -> str:
        return self.components.scheme

    @property
    def netloc(self) -> str:
        return self.components.netloc

    @property
    def path(self) -> str:
        return self.components.path

    @property
    def query(self) -> str:
        return self.components.query

    @property
    def fragment(self) -> str:
        return self.components.fragment

    @property
    def username(self) -> str | None:
        return self.components.username

    @property
    def password(self) -> str | None:
        return self.components.password

    @property
    def hostname(self) -> str | None:
        return self.components.hostname

    @property
    def port(self) -> int | None:
        return self.components.port

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    def replace(self, **kwargs: Any) -> URL:
        """A copy with some parts changed; ``hostname``/``port``/user info rebuild the netloc."""
        if {"username", "password", "hostname", "port"}.intersection(kwargs):
            kwargs["netloc"] = self._netloc_with(kwargs)
        return type(self)(self.components._replace(**kwargs).geturl())

    def _netloc_with(self, kwargs: dict[str, Any]) -> str:
        hostname = kwargs.pop("hostname", None)
        port = kwargs.pop("port", self.port)
        username = kwargs.pop("username", self.username)
        password = kwargs.pop("password", self.password)
        if hostname is None:
            hostname = self.netloc.rpartition("@")[2]
            if hostname and not hostname.endswith("]"):
                hostname = hostname.rsplit(":", 1)[0]
        elif ":" in hostname and not hostname.startswith("["):
            try:
                ipaddress.IPv6Address(hostname)
                hostname = f"[{hostname}]"
            except ValueError:
                pass
        netloc = str(hostname) if port is None else f"{hostname}:{port}"
        if username is not None:
            userinfo = username if password is None else f"{username}:{password}"
            netloc = f"{userinfo}@{netloc}"
        return netloc

    def include_query_params(self, **kwargs: Any) -> URL:
        """Set these parameters, replacing any of the same name and keeping the others."""
        new = {str(k): str(v) for k, v in kwargs.items()}
        pairs = parse_qsl(self.query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k not in new]
        return self.replace(query=urlencode(kept + list(new.items())))

    def replace_query_params(self, **kwargs: Any) -> URL:
        return self.replace(query=urlencode([(str(k), str(v)) for k, v in kwargs.items()]))

    def remove_query_params(self, keys: str | Sequence[str]) -> URL:
        drop = {keys} if isinstance(keys, str) else set(keys)
        pairs = parse_qsl(self.query, keep_blank_values=True)
        return self.replace(query=urlencode([(k, v) for k, v in pairs if k not in drop]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL | str):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._url)

    def __str__(self) -> str:
        return self._url

    def __repr__(self) -> str:
        url = self._url
        if self.password:
            url = str(self.replace(password="********"))
        return f"{type(self).__name__}({url!r})"


class State:
    """An attribute bag for ``app.state`` and ``request.state``; a missing name is an error."""

    _state: dict[str, Any]

    def __init__(self, state: dict[str, Any] | None = None) -> None:
        object.__setattr__(self, "_state", {} if state is None else state)

    def __setattr__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __getattr__(self, key: str) -> Any:
        try:
            return self._state[key]
        except KeyError:
            msg = f"'{type(self).__name__}' object has no attribute '{key}'"
            raise AttributeError(msg) from None

    def __delattr__(self, key: str) -> None:
        try:
            del self._state[key]
        except KeyError:
            raise AttributeError(key) from None

    def __getitem__(self, key: str) -> Any:
        return self._state[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._state[key] = value

    def __delitem__(self, key: str) -> None:
        del self._state[key]

    def __contains__(self, key: object) -> bool:
        return key in self._state

    def __iter__(self) -> Iterator[str]:
        return iter(self._state)

    def __len__(self) -> int:
        return len(self._state)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._state!r})"
