"""Files from a directory served under a mount, as Starlette's ``StaticFiles`` serves them.

``StaticFiles`` is a plain ASGI 3 app, so it can be mounted into a fastcore app, run on its own
under any ASGI server, or wrapped by middleware. Its errors (404, 405, ...) reach the mounting
fastcore app's exception handlers, as in FastAPI; run on its own, it answers them with FastAPI's
default ``{"detail": ...}`` bodies.

Where the request path comes from: Starlette's (>= 0.33) convention, which our ``app.mount``
follows too. ``scope["path"]`` is the full request path, unchanged by mounting, and
``scope["root_path"]`` is extended by each mount prefix; the part to serve is ``path`` minus
``root_path``.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import stat
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Union

from fastcore.concurrency import run_in_threadpool
from fastcore.datastructures import URL, Headers
from fastcore.exceptions import HTTPException
from fastcore.responses import FileResponse, JSONResponse, RedirectResponse, Response

__all__ = ["NotModifiedResponse", "StaticFiles"]

PathLike = Union[str, "os.PathLike[str]"]
Scope = Mapping[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_NOT_FOUND: tuple[str, None] = ("", None)
# SECURITY: no file system has a path this long; longer requests are refused before any
# system call, so a client cannot make us normalise or stat megabytes of path.
_MAX_PATH = 4096


class NotModifiedResponse(Response):
    """A 304 that keeps only the headers RFC 9110 lets a 304 carry, as Starlette's does."""

    NOT_MODIFIED_HEADERS = ("cache-control", "content-location", "date", "etag", "expires", "vary")

    def __init__(self, headers: Mapping[str, str]) -> None:
        kept = {k: v for k, v in headers.items() if k.lower() in self.NOT_MODIFIED_HEADERS}
        super().__init__(status_code=304, headers=kept)


def _route_path(scope: Scope) -> str:
    """The request path below the mount: ``path`` minus ``root_path`` when it is a prefix.

    NOTE: as Starlette's ``get_route_path``: a ``root_path`` that is not a whole-segment
    prefix of ``path`` (a server that strips the prefix itself, or ``/app`` vs ``/apple``)
    leaves the path as it is.
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if not root or not path.startswith(root):
        return path
    if len(path) == len(root):
        return ""
    return path[len(root) :] if path[len(root)] == "/" else path


def _is_unsafe(path: str) -> bool:
    """True for a normalised relative path that must never reach the file system.

    SECURITY: each check is one way out of the served directory or into an OS-specific
    meaning: parent segments left over after normalisation, absolute paths and drive letters
    (Windows), backslashes (a separator on Windows; refused everywhere so behaviour does not
    depend on the OS) and NUL bytes (which truncate paths in C APIs).
    """
    if not path or "\x00" in path or "\\" in path or len(path) > _MAX_PATH:
        return True
    if path.startswith(("/", "\\")) or os.path.isabs(path) or os.path.splitdrive(path)[0]:
        return True
    return os.pardir in path.split(os.sep)


class StaticFiles:
    """An ASGI app serving the files of one directory (or packages' ``statics`` folders).

    GET and HEAD only; ETag and Last-Modified on every file, with 304 answers to
    ``If-None-Match`` / ``If-Modified-Since`` and range requests (via ``FileResponse``). With
    ``html=True`` a directory serves its ``index.html`` and a miss serves ``404.html``.
    Paths that would leave the directory, including through symlinks unless
    ``follow_symlink=True``, are answered 404 like any missing file.
    """

    def __init__(
        self,
        *,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
        html: bool = False,
        check_dir: bool = True,
        follow_symlink: bool = False,
    ) -> None:
        self.directory = directory
        self.packages = packages
        self.all_directories = self.get_directories(directory, packages)
        self.html = html
        self.follow_symlink = follow_symlink
        self.config_checked = False
        # NOTE: a typo in the directory fails at start-up, not as 404s in production.
        if check_dir and directory is not None and not os.path.isdir(directory):
            raise RuntimeError(f"Directory '{directory}' does not exist")

    def get_directories(
        self,
        directory: PathLike | None = None,
        packages: Sequence[str | tuple[str, str]] | None = None,
    ) -> list[PathLike]:
        """Every directory to look in, in order: ``directory``, then each package's folder.

        A package is given by name (its ``statics`` folder) or as ``(name, folder)``.
        """
        directories: list[PathLike] = [] if directory is None else [directory]
        for package in packages or ():
            name, folder = package if isinstance(package, tuple) else (package, "statics")
            spec = importlib.util.find_spec(name)
            if spec is None or spec.origin is None:
                raise RuntimeError(f"Package {name!r} could not be found.")
            found = os.path.normpath(os.path.join(spec.origin, "..", folder))
            if not os.path.isdir(found):
                raise RuntimeError(f"Directory {folder!r} in package {name!r} could not be found.")
            directories.append(found)
        return directories

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry: websockets are closed, HTTP requests answered from the directory."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
            return
        if scope["type"] != "http":
            raise RuntimeError(f"StaticFiles serves HTTP only, not {scope['type']!r} scopes")
        if not self.config_checked:
            await self.check_config()
            self.config_checked = True
        path = self.get_path(scope)
        response = await self.get_response(path, scope)
        await response(scope, receive, send)

    def get_path(self, scope: Scope) -> str:
        """The path to serve, relative, with OS separators and ``.``/``..`` resolved.

        It is ``scope["path"]`` minus ``scope["root_path"]`` (the mount prefix). A ``..``
        that climbs above the mount stays in the result, and ``lookup_path`` refuses it.
        """
        parts = [part for part in _route_path(scope).split("/") if part]
        return os.path.normpath(os.path.join(*parts)) if parts else "."

    async def get_response(self, path: str, scope: Scope) -> Response:
        """The response for ``path``: the file, a 304, a redirect, 404.html, or an error."""
        if scope["method"] not in ("GET", "HEAD"):
            return self.error_response(405, {"Allow": "GET, HEAD"}, scope)
        try:
            full_path, stat_result = await run_in_threadpool(self.lookup_path, path)
        except PermissionError:
            # NOTE: Starlette answers an unreadable file with 401; kept for compatibility.
            return self.error_response(401, None, scope)
        if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
            return self.file_response(full_path, stat_result, scope)
        if stat_result is not None and stat.S_ISDIR(stat_result.st_mode) and self.html:
            response = await self._index_response(path, scope)
            if response is not None:
                return response
        if self.html:
            full_path, stat_result = await run_in_threadpool(self.lookup_path, "404.html")
            if stat_result is not None and stat.S_ISREG(stat_result.st_mode):
                return FileResponse(full_path, status_code=404, stat_result=stat_result)
        return self.error_response(404, None, scope)

    async def _index_response(self, path: str, scope: Scope) -> Response | None:
        """A directory's index.html, after redirecting ``/dir`` to ``/dir/`` so links resolve."""
        full_path, stat_result = await run_in_threadpool(
            self.lookup_path, os.path.join(path, "index.html")
        )
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            return None
        if not scope["path"].endswith("/"):
            url = URL(scope=scope)
            return RedirectResponse(url.replace(path=url.path + "/"))
        return self.file_response(full_path, stat_result, scope)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        """The first of the directories holding ``path``, as ``(full_path, stat)``.

        ``("", None)`` when none does, or when ``path`` would lead outside its directory.
        Blocking: the app calls it in the thread pool.
        """
        if _is_unsafe(path):
            return _NOT_FOUND
        for directory in self.all_directories:
            found = self._lookup_in(os.fspath(directory), path)
            if found is not None:
                return found
        return _NOT_FOUND

    def _lookup_in(self, directory: str, path: str) -> tuple[str, os.stat_result] | None:
        # SECURITY: resolving symlinks first (realpath) and then requiring the result to stay
        # under the resolved directory is what stops a link from pointing outside it.
        # follow_symlink=True trusts links inside the directory: only '..' is checked then.
        resolve = os.path.abspath if self.follow_symlink else os.path.realpath
        try:
            root = resolve(directory)
            full_path = resolve(os.path.join(directory, path))
            if os.path.commonpath([full_path, root]) != root:
                return None
            return full_path, os.stat(full_path)
        except PermissionError:
            raise
        except (OSError, ValueError) as exc:
            # NOTE: missing files, names too long, symlink loops, NUL bytes and paths on
            # another drive are all misses; any other OS error is a real failure.
            if isinstance(exc, OSError) and exc.errno not in _MISS_ERRNOS:
                raise
            return None

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        """The file, or a 304 when the client's cached copy (by ETag or date) is current."""
        response = FileResponse(full_path, status_code=status_code, stat_result=stat_result)
        if self.is_not_modified(response.headers, Headers(raw=list(scope.get("headers", ())))):
            return NotModifiedResponse(response.headers)
        return response

    async def check_config(self) -> None:
        """Fail loudly (a 500 and this message) if the directory vanished after start-up."""
        if self.directory is None:
            return
        try:
            result = await run_in_threadpool(os.stat, self.directory)
        except FileNotFoundError:
            raise RuntimeError(
                f"StaticFiles directory '{self.directory}' does not exist."
            ) from None
        if not (stat.S_ISDIR(result.st_mode) or stat.S_ISLNK(result.st_mode)):
            raise RuntimeError(f"StaticFiles path '{self.directory}' is not a directory.")

    def is_not_modified(
        self, response_headers: Mapping[str, str], request_headers: Mapping[str, str]
    ) -> bool:
        """Whether the client's conditional headers say its copy is current (RFC 9110 13.1).

        ``If-None-Match`` wins when present (weak comparison, ``*`` matches); only without it
        is ``If-Modified-Since`` compared with Last-Modified.
        """
        if_none_match = request_headers.get("if-none-match")
        if if_none_match:
            if if_none_match.strip() == "*":
                return True
            etag = response_headers.get("etag")
            tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
            return etag is not None and etag in tags
        since = request_headers.get("if-modified-since")
        modified = response_headers.get("last-modified")
        if not since or not modified:
            return False
        # PERF: email.utils (the email package, calendar, quopri: ~0.15 MiB RSS) only when a
        # conditional request needs a date compared, not when the module is imported.
        from email.utils import parsedate

        since_t, modified_t = parsedate(since), parsedate(modified)
        return since_t is not None and modified_t is not None and since_t >= modified_t

    def error_response(
        self, status_code: int, headers: Mapping[str, str] | None = None, scope: Scope | None = None
    ) -> Response:
        """The answer to a request that gets no file; override to change the body.

        Mounted in a fastcore app, the error is raised as ``HTTPException`` instead, so the
        app's exception handlers (a custom 404 page, say) see it as FastAPI's would. Run on its
        own, it answers FastAPI's default ``{"detail": "<phrase>"}`` itself.
        """
        if scope is not None and _handled_by_app(scope):
            raise HTTPException(status_code, headers=headers)
        body = {"detail": HTTPStatus(status_code).phrase}
        return JSONResponse(body, status_code=status_code, headers=headers)


def _handled_by_app(scope: Scope) -> bool:
    """Whether a fastcore app above us turns HTTPException into its handlers' responses.

    NOTE: looked up in sys.modules rather than imported: if fastcore.app was never imported,
    no FastCore app can be running us, and this module stays light.
    """
    app_module = sys.modules.get("fastcore.app")
    return app_module is not None and isinstance(scope.get("app"), app_module.FastCore)


_MISS_ERRNOS = frozenset(
    {errno.ENOENT, errno.ENOTDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EINVAL, None}
)
