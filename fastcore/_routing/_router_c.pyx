# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: docs/benchmarks.md ("Compiled twins") has the figures (bench/micro/test_bench_router.py).
"""Finds the target registered for a request's method and path: the compiled build.

Every request goes through ``Router.match``, so its cost must not grow with the size of the
app: a fully static path is one dict lookup, and a parametrised one walks a trie of path
segments, so the work follows the depth of the path, not the number of routes. Compiled
because it is typed work on str, dicts and lists done once per request, where the
interpreter's per-operation overhead is most of the cost: the trie walk, the converter checks
(in C over the str's code points, no regex) and the parameter conversion.

The pure twin, ``fastcore/_routing/router.py``, has the same names, results, messages and
exceptions; tests run both, and hypothesis checks that they agree on generated tables.

Priority at each segment: the static text, then the typed converters (``int``, ``float``,
``uuid``), then ``str``, then ``path``; when a deeper segment fails, the search backs up and
tries the next candidate. A 405 answer is only given when no route has the method.
"""

from cpython.mem cimport PyMem_Free, PyMem_Malloc

import uuid

from fastcore.exceptions import RouteConflictError

__all__ = ["FOUND", "METHOD_NOT_ALLOWED", "NOT_FOUND", "Router", "parse_template"]

# NOTE: match() returns the C constants, which Cython turns into cached ints, rather than
# looking the module globals up on every call.
cdef enum:
    S_FOUND = 0
    S_METHOD_NOT_ALLOWED = 1
    S_NOT_FOUND = 2

FOUND = S_FOUND
METHOD_NOT_ALLOWED = S_METHOD_NOT_ALLOWED
NOT_FOUND = S_NOT_FOUND

# Converter kinds, numbered in match priority: a segment tries them in this order.
cdef enum:
    K_INT = 0
    K_FLOAT = 1
    K_UUID = 2
    K_STR = 3
    K_PATH = 4

cdef dict _KINDS = {"int": K_INT, "float": K_FLOAT, "uuid": K_UUID, "str": K_STR, "path": K_PATH}
cdef tuple _KIND_NAMES = ("int", "float", "uuid", "str", "path")
cdef object _UUID = uuid.UUID
cdef tuple _NOT_FOUND_RESULT = (S_NOT_FOUND, None, None)


# ---------------------------------------------------------------------------------------------
# Converters: checks in C over the str's code points, conversion only once a match is final.

cdef inline bint _is_digit(Py_UCS4 ch) noexcept:
    return u'0' <= ch <= u'9'


cdef bint _is_int(str seg) noexcept:
    cdef Py_UCS4 ch
    if len(seg) == 0:
        return False
    for ch in seg:
        if not _is_digit(ch):
            return False
    return True


cdef bint _is_float(str seg) noexcept:
    # [0-9]+(\.[0-9]+)?  -- `run` counts the digits since the start or the dot.
    cdef Py_UCS4 ch
    cdef Py_ssize_t run = 0
    cdef bint dot = False
    for ch in seg:
        if _is_digit(ch):
            run += 1
        elif ch == u'.' and not dot and run:
            dot = True
            run = 0
        else:
            return False
    return run > 0


cdef bint _is_uuid(str seg) noexcept:
    # Canonical 8-4-4-4-12 hex, either case.
    cdef Py_UCS4 ch
    cdef Py_ssize_t k
    if len(seg) != 36:
        return False
    for k in range(36):
        ch = seg[k]
        if k == 8 or k == 13 or k == 18 or k == 23:
            if ch != u'-':
                return False
        elif not (_is_digit(ch) or u'a' <= ch <= u'f' or u'A' <= ch <= u'F'):
            return False
    return True


cdef inline bint _accepts(int kind, str seg) noexcept:
    if kind == K_INT:
        return _is_int(seg)
    if kind == K_FLOAT:
        return _is_float(seg)
    if kind == K_UUID:
        return _is_uuid(seg)
    return True  # K_STR: the caller has already refused empty segments


cdef object _to_int(str seg):
    # PERF: 18 decimal digits always fit a long long; longer ones go through int().
    cdef long long value = 0
    cdef Py_UCS4 ch
    if len(seg) > 18:
        return int(seg)
    for ch in seg:
        value = value * 10 + (<long long>ch - 48)  # 48 is '0'
    return value


# ---------------------------------------------------------------------------------------------
# Templates: validated at start-up with the same messages as the pure twin.

cdef object _fail(str template, str why):
    return RouteConflictError(f"route template {template!r}: {why}")


cdef bint _balanced(str text):
    cdef int depth = 0
    cdef Py_UCS4 ch
    for ch in text:
        if ch == u'{':
            if depth:
                return False
            depth = 1
        elif ch == u'}':
            if not depth:
                return False
            depth = 0
    return depth == 0


cdef object _parse_segment(str template, str text):
    """One segment of ``template``: static text, or ``(name, kind)`` filling the segment."""
    cdef str name, colon, converter
    if "{" not in text and "}" not in text:
        return text
    if not _balanced(text):
        raise _fail(template, f"unbalanced braces in segment {text!r}")
    if text.count("{") != 1 or text[0] != u'{' or text[len(text) - 1] != u'}':
        raise _fail(
            template,
            f"segment {text!r} mixes a parameter with other text; "
            "a parameter must be a whole segment (partial segments are unsupported)",
        )
    name, colon, converter = text[1:len(text) - 1].partition(":")
    if not name.isidentifier():
        raise _fail(template, f"parameter name {name!r} is not a Python identifier")
    if not colon:
        return (name, K_STR)
    kind = _KINDS.get(converter)
    if kind is None:
        known = ", ".join(sorted(_KINDS))
        raise _fail(template, f"unknown converter {converter!r} for {name!r} (known: {known})")
    return (name, kind)


cdef list _parse(str template):
    """The segments of ``template`` after the leading slash, validated."""
    cdef list segments = []
    cdef set names = set()
    cdef str text
    cdef object segment = None  # the previous one, at the top of the loop
    # NOTE: a `str` annotation on a def argument makes Cython refuse anything but an exact str
    # with TypeError; the pure twin checks the same by hand.
    if not template.startswith("/"):
        raise _fail(template, "must start with '/'")
    for text in template.split("/")[1:]:
        if type(segment) is tuple and segment[1] == K_PATH:
            raise _fail(template, f"the path parameter {segment[0]!r} must be last")
        segment = _parse_segment(template, text)
        if type(segment) is tuple:
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
    return [(seg[0], _KIND_NAMES[seg[1]]) for seg in _parse(template) if type(seg) is tuple]


# ---------------------------------------------------------------------------------------------
# The trie.

cdef class _Route:
    """One method's target on one path shape, and where its parameters sit in the path."""

    cdef str template
    cdef object target
    cdef tuple names
    cdef Py_ssize_t count
    # Segment index and converter kind of each parameter; indexes count the empty string
    # before the leading slash, as path.split("/") does.
    cdef Py_ssize_t* positions
    cdef unsigned char* kinds

    def __cinit__(self):
        self.positions = NULL
        self.kinds = NULL

    def __dealloc__(self):
        PyMem_Free(self.positions)
        PyMem_Free(self.kinds)


cdef _Route _make_route(str template, object target, list segments):
    cdef _Route route = _Route.__new__(_Route)
    cdef list params = [(i + 1, seg) for i, seg in enumerate(segments) if type(seg) is tuple]
    cdef Py_ssize_t j
    route.template = template
    route.target = target
    route.names = tuple([seg[0] for _, seg in params])
    route.count = len(params)
    if route.count:
        route.positions = <Py_ssize_t*>PyMem_Malloc(route.count * sizeof(Py_ssize_t))
        route.kinds = <unsigned char*>PyMem_Malloc(route.count)
        if route.positions == NULL or route.kinds == NULL:
            raise MemoryError()
        for j in range(route.count):
            route.positions[j] = params[j][0]
            route.kinds[j] = params[j][1][1]
    return route


cdef dict _params(_Route route, list segs):
    """Converts the matched segments; done only once a match is final, never on a retry."""
    cdef dict params = {}
    cdef Py_ssize_t j, pos
    cdef unsigned char kind
    cdef str seg
    for j in range(route.count):
        pos = route.positions[j]
        kind = route.kinds[j]
        seg = <str>segs[pos]
        if kind == K_STR:
            value = seg
        elif kind == K_INT:
            value = _to_int(seg)
        elif kind == K_FLOAT:
            value = float(seg)
        elif kind == K_UUID:
            value = _UUID(seg)
        else:
            value = "/".join(segs[pos:])
        params[route.names[j]] = value
    return params


cdef class _Node:
    """A trie node: the routes ending here, and the ways on to the next segment."""

    cdef dict children
    # One child per converter kind K_INT..K_STR (None where absent); None until one exists.
    cdef list params
    cdef _Node rest  # the `path` converter: takes all that is left
    cdef dict handlers
    cdef tuple allowed

    def __cinit__(self):
        self.children = {}
        self.params = None
        self.rest = None
        self.handlers = {}
        self.allowed = ()

    cdef _Node param_child(self, int kind):
        if kind == K_PATH:
            if self.rest is None:
                self.rest = _Node()
            return self.rest
        if self.params is None:
            self.params = [None] * (K_STR + 1)
        if self.params[kind] is None:
            self.params[kind] = _Node()
        return <_Node>self.params[kind]

    cdef register(self, str method, _Route route):
        cdef _Route existing = self.handlers.get(method)
        if existing is not None:
            raise RouteConflictError(
                f"{method} {route.template!r} conflicts with {method} {existing.template!r}: "
                "both match the same paths"
            )
        self.handlers[method] = route
        self.allowed = tuple(sorted(self.handlers))


cdef inline object _at(_Node node, str method):
    """The route for ``method`` here, else this node's allowed methods, else None."""
    cdef object route = node.handlers.get(method)
    if route is not None:
        return route
    return node.allowed if node.allowed else None


cdef object _search(_Node node, list segs, Py_ssize_t i, Py_ssize_t n, str method):
    """Depth-first in priority order; the first 405 candidate is kept while the search goes on."""
    cdef object first = None
    cdef object found
    cdef object child
    cdef str seg
    cdef int kind
    if i == n:
        return _at(node, method)
    seg = <str>segs[i]
    # PERF: an empty dict still hashes the key; a fresh segment's hash is not cached yet.
    if node.children:
        child = node.children.get(seg)
        if child is not None:
            first = _search(<_Node>child, segs, i + 1, n, method)
            if type(first) is _Route:
                return first
    if node.params is not None and len(seg):
        for kind in range(K_STR + 1):
            child = node.params[kind]
            if child is None or not _accepts(kind, seg):
                continue
            found = _search(<_Node>child, segs, i + 1, n, method)
            if type(found) is _Route:
                return found
            if first is None:
                first = found
    if node.rest is not None:
        found = _at(node.rest, method)
        if type(found) is _Route or first is None:
            return found
    return first


# NOTE: the docstring opens with CPython's text-signature header ("Router()", "--"), flush
# left, so that inspect.signature(Router) works on the compiled class as on the pure one.
cdef class Router:
    """Router()
--

Method and path to target; filled at start-up, read on every request.
"""

    cdef dict _static
    cdef _Node _root

    def __init__(self) -> None:
        self._static = {}
        self._root = _Node()

    def add(self, method: str, template: str, target: object) -> None:
        """Registers ``target``; a malformed template or a duplicate fails here, at start-up."""
        cdef list segments
        cdef _Route route
        cdef _Node node
        segments = _parse(template)
        route = _make_route(template, target, segments)
        if route.count == 0:
            node = self._static.get(template)
            if node is None:
                node = _Node()
                self._static[template] = node
            node.register(method, route)
            return
        node = self._root
        for seg in segments:
            if type(seg) is str:
                child = node.children.get(seg)
                if child is None:
                    child = node.children[seg] = _Node()
                node = <_Node>child
            else:
                node = node.param_child(seg[1])
        node.register(method, route)

    def match(self, method: str, path: str) -> tuple[int, object, dict[str, object] | None]:
        """``(FOUND, target, params)``, ``(METHOD_NOT_ALLOWED, allowed, None)`` or NOT_FOUND.

        ``path`` is already percent-decoded; the app owns redirects and HEAD.
        """
        cdef object allowed = None
        cdef object found
        cdef _Node node
        cdef list segs
        found = self._static.get(path)
        if found is not None:
            node = <_Node>found
            found = node.handlers.get(method)
            if found is not None:
                return (S_FOUND, (<_Route>found).target, {})
            allowed = node.allowed
        if len(path) and path[0] == u'/':
            segs = path.split("/")
            found = _search(self._root, segs, 1, len(segs), method)
            if type(found) is _Route:
                return (S_FOUND, (<_Route>found).target, _params(<_Route>found, segs))
            if allowed is None:
                allowed = found
        if allowed:
            return (S_METHOD_NOT_ALLOWED, allowed, None)
        return _NOT_FOUND_RESULT
