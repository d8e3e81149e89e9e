"""Finds the target registered for a request's method and path: the pure-Python twin.

Every request goes through ``Router.match``, so its cost must not grow with the size of the
app: a fully static path is one dict lookup, and a parametrised one walks a trie of path
segments, so the work follows the depth of the path, not the number of routes. The compiled
build (``_router_c.pyx``) is what production runs; this twin is what runs without a
compiler, and tests hold the two to the same results and the same exceptions.

Priority at each segment: the static text, then the typed converters (``int``, ``float``,
``uuid``), then ``str``, then ``path``; when a deeper segment fails, the search backs up and
tries the next candidate. A 405 answer is only given when no route has the method.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Union

from fastcore.exceptions import RouteConflictError

__all__ = ["FOUND", "METHOD_NOT_ALLOWED", "NOT_FOUND", "Router", "parse_template"]

FOUND: int = 0
METHOD_NOT_ALLOWED: int = 1
NOT_FOUND: int = 2

# Converter kinds, numbered in match priority: a segment tries them in this order.
_INT = 0
_FLOAT = 1
_UUID = 2
_STR = 3
_PATH = 4
_KINDS = {"int": _INT, "float": _FLOAT, "uuid": _UUID, "str": _STR, "path": _PATH}

_UUID_RE = re.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

#: A parsed template segment: static text, or a parameter as ``(name, kind)``.
_Segment = Union[str, tuple[str, int]]
#: What a trie search answers: the route, the allowed methods of a path without this method,
#: or nothing.
_Found = Union["_Route", tuple[str, ...], None]

_NOT_FOUND_RESULT: tuple[int, object, None] = (NOT_FOUND, None, None)


def _is_int(seg: str) -> bool:
    # NOTE: str.isdigit alone accepts non-ASCII digits such as "²"; Starlette's [0-9]+ does not.
    return seg.isascii() and seg.isdigit()


def _is_float(seg: str) -> bool:
    whole, dot, fraction = seg.partition(".")
    return _is_int(whole) and (not dot or _is_int(fraction))


def _is_uuid(seg: str) -> bool:
    return len(seg) == 36 and _UUID_RE.fullmatch(seg) is not None


def _is_str(seg: str) -> bool:
    # The caller has already refused empty segments.
    return True


_CHECKS: tuple[Callable[[str], bool], ...] = (_is_int, _is_float, _is_uuid, _is_str)
_CONVERT: tuple[Callable[[str], object], ...] = (int, float, uuid.UUID, str)


def _fail(template: str, why: str) -> RouteConflictError:
    return RouteConflictError(f"route template {template!r}: {why}")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "{":
            if depth:
                return False
            depth = 1
        elif ch == "}":
            if not depth:
                return False
            depth = 0
    return depth == 0


def _parse_segment(template: str, text: str) -> _Segment:
    """One segment of ``template``: static text, or a parameter that fills the segment."""
    if "{" not in text and "}" not in text:
        return text
    if not _balanced(text):
        raise _fail(template, f"unbalanced braces in segment {text!r}")
    if text.count("{") != 1 or text[0] != "{" or text[-1] != "}":
        raise _fail(
            template,
            f"segment {text!r} mixes a parameter with other text; "
            "a parameter must be a whole segment (partial segments are unsupported)",
        )
    name, colon, converter = text[1:-1].partition(":")
    if not name.isidentifier():
        raise _fail(template, f"parameter name {name!r} is not a Python identifier")
    if not colon:
        return (name, _STR)
    kind = _KINDS.get(converter)
    if kind is None:
        known = ", ".join(sorted(_KINDS))
        raise _fail(template, f"unknown converter {converter!r} for {name!r} (known: {known})")
    return (name, kind)


def _parse(template: str) -> list[_Segment]:
    """The segments of ``template`` after the leading slash, validated."""
    # NOTE: exactly str, as the compiled build's typed arguments demand.
    if type(template) is not str:
        raise TypeError(f"route template must be a str, not {type(template).__name__}")
    if not template.startswith("/"):
        raise _fail(template, "must start with '/'")
    segments: list[_Segment] = []
    names: set[str] = set()
    for text in template.split("/")[1:]:
        if segments and isinstance(segments[-1], tuple) and segments[-1][1] == _PATH:
            raise _fail(template, f"the path parameter {segments[-1][0]!r} must be last")
        segment = _parse_segment(template, text)
        if isinstance(segment, tuple):
            if segment[0] in names:
                raise _fail(template, f"parameter {segment[0]!r} appears more than once")
            names.add(segment[0])
        segments.append(segment)
    return segments


def parse_template(template: str) -> list[tuple[str, str]]:
    """The ``(name, converter)`` pairs of ``template``, in order; the app binds them to arguments.

    Raises ``RouteConflictError`` for the same malformed templates that ``Router.add`` refuses,
    so a bad route fails at start-up whichever is called first.
    """
    names = {kind: name for name, kind in _KINDS.items()}
    return [(seg[0], names[seg[1]]) for seg in _parse(template) if isinstance(seg, tuple)]


class _Route:
    """One method's target on one path shape, and where its parameters sit in the path."""

    __slots__ = ("names", "spec", "target", "template")

    def __init__(self, template: str, target: object, segments: list[_Segment]) -> None:
        self.template = template
        self.target = target
        # (name, segment index, kind) per parameter; the index counts the empty string before
        # the leading slash, as path.split("/") does.
        self.spec = tuple(
            (seg[0], i + 1, seg[1]) for i, seg in enumerate(segments) if isinstance(seg, tuple)
        )
        self.names = tuple(name for name, _, _ in self.spec)

    def params(self, segs: list[str]) -> dict[str, object]:
        """Converts the matched segments; done only once a match is final, never on a retry."""
        params: dict[str, object] = {}
        for name, pos, kind in self.spec:
            if kind == _STR:
                params[name] = segs[pos]
            elif kind == _PATH:
                params[name] = "/".join(segs[pos:])
            else:
                params[name] = _CONVERT[kind](segs[pos])
        return params


class _Node:
    """A trie node: the routes ending here, and the ways on to the next segment."""

    __slots__ = ("allowed", "children", "handlers", "params", "rest")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        # (kind, check, child) for each converter present, in priority order.
        self.params: list[tuple[int, Callable[[str], bool], _Node]] = []
        self.rest: _Node | None = None  # the `path` converter: takes all that is left
        self.handlers: dict[str, _Route] = {}
        self.allowed: tuple[str, ...] = ()

    def param_child(self, kind: int) -> _Node:
        if kind == _PATH:
            if self.rest is None:
                self.rest = _Node()
            return self.rest
        for present, _, child in self.params:
            if present == kind:
                return child
        child = _Node()
        self.params.append((kind, _CHECKS[kind], child))
        self.params.sort(key=lambda entry: entry[0])
        return child

    def register(self, method: str, route: _Route) -> None:
        existing = self.handlers.get(method)
        if existing is not None:
            raise RouteConflictError(
                f"{method} {route.template!r} conflicts with {method} {existing.template!r}: "
                "both match the same paths"
            )
        self.handlers[method] = route
        self.allowed = tuple(sorted(self.handlers))


def _at(node: _Node, method: str) -> _Found:
    route = node.handlers.get(method)
    if route is not None:
        return route
    return node.allowed or None


def _search(node: _Node, segs: list[str], i: int, method: str) -> _Found:
    """Depth-first in priority order; the first 405 candidate is kept while the search goes on."""
    if i == len(segs):
        return _at(node, method)
    seg = segs[i]
    first: _Found = None
    child = node.children.get(seg)
    if child is not None:
        first = _search(child, segs, i + 1, method)
        if isinstance(first, _Route):
            return first
    if seg:
        for _, check, child in node.params:
            if check(seg):
                found = _search(child, segs, i + 1, method)
                if isinstance(found, _Route):
                    return found
                if first is None:
                    first = found
    if node.rest is not None:
        found = _at(node.rest, method)
        if isinstance(found, _Route) or first is None:
            return found
    return first


class Router:
    """Method and path to target; filled at start-up, read on every request."""

    __slots__ = ("_root", "_static")

    def __init__(self) -> None:
        self._static: dict[str, _Node] = {}
        self._root = _Node()

    def add(self, method: str, template: str, target: object) -> None:
        """Registers ``target``; a malformed template or a duplicate fails here, at start-up."""
        if type(method) is not str:
            raise TypeError(f"method must be a str, not {type(method).__name__}")
        segments = _parse(template)
        route = _Route(template, target, segments)
        if not route.names:
            node = self._static.get(template)
            if node is None:
                node = self._static[template] = _Node()
            node.register(method, route)
            return
        node = self._root
        for seg in segments:
            if isinstance(seg, str):
                node = node.children.setdefault(seg, _Node())
            else:
                node = node.param_child(seg[1])
        node.register(method, route)

    def match(self, method: str, path: str) -> tuple[int, object, dict[str, object] | None]:
        """``(FOUND, target, params)``, ``(METHOD_NOT_ALLOWED, allowed, None)`` or NOT_FOUND.

        ``path`` is already percent-decoded; the app owns redirects and HEAD.
        """
        if type(method) is not str or type(path) is not str:
            raise TypeError("method and path must be str")
        allowed: tuple[str, ...] | None = None
        node = self._static.get(path)
        if node is not None:
            route = node.handlers.get(method)
            if route is not None:
                return (FOUND, route.target, {})
            allowed = node.allowed
        if path[:1] == "/":
            segs = path.split("/")
            node, i, n = self._root, 1, len(segs)
            # PERF: down the static segments while a node offers no alternative to its static
            # child (no parameter or path child to try after it): _search's own answer from
            # there, without a frame per segment
            while i < n and not node.params and node.rest is None:
                child = node.children.get(segs[i])
                if child is None:
                    break
                node = child
                i += 1
            found = _search(node, segs, i, method)
            if isinstance(found, _Route):
                return (FOUND, found.target, found.params(segs))
            if allowed is None:
                allowed = found
        if allowed:
            return (METHOD_NOT_ALLOWED, allowed, None)
        return _NOT_FOUND_RESULT
