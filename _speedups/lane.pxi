# The direct lane, compiled: included into protocol.pyx so that it reads the request
# cycle's C fields and the protocol calls it without a Python call. The pure build is
# fastcore/_pure/lane.py (read its docstring); both behave the same.
# PERF: the lane's glue (match, plan fields, extract loop, send, answer) is C here; the
# handler, extractors and encoder stay Python.

from cpython.dict cimport PyDict_GetItem
from cpython.long cimport PyLong_FromLongLong
from cpython.ref cimport PyObject

from asyncio.tasks import _enter_task, _leave_task

from fastcore._accel import load as _load
from fastcore._lane_params import INT64 as _INT64, int_bounds as _int_bounds
from fastcore._bodies import media_kind
from fastcore.exceptions import RequestValidationError
from fastcore.handlers import RequestData
from fastcore.plans import is_response
from fastcore.validation import _BOOL_WORDS

cdef object _FOUND = _load("router").FOUND
cdef object _parse_query = _load("query").parse_query
cdef int _JSON = 1
cdef int _TEXT = 2
cdef int _MSGPACK = 3
# A body's media kind (fastcore/_bodies.py media_kind)
cdef int BODY_JSON = 1
cdef int BODY_MSGPACK = 2
# Where a typed parameter is read from, and the types converted in C.
cdef enum:
    SRC_PYTHON = -1
    SRC_PATH = 0
    SRC_QUERY = 1
    SRC_HEADER = 2
    SRC_COOKIE = 3
    KIND_OTHER = 0
    KIND_STR = 1
    KIND_INT = 2
    KIND_BOOL = 3
cdef dict _SOURCES = {"path": SRC_PATH, "query": SRC_QUERY, "header": SRC_HEADER, "cookie": SRC_COOKIE}
cdef dict _KINDS = {str: KIND_STR, int: KIND_INT, bool: KIND_BOOL}
cdef dict _BOOLS = _BOOL_WORDS
cdef object _SLOW = object()
#: Content-Type values seen, and their media kind (a client sends the same one).
cdef dict _JSON_TYPES = {}


cdef class _Param:
    """One parameter of a simple route. PERF: an unconstrained str, int or bool read from
    the path, query, headers or cookies is looked up and converted here (two Python frames
    less per parameter); anything else, or any value the C check does not accept as is,
    goes to the parameter's Python extractor, which gives the same value or the error."""

    cdef str name
    cdef int source
    cdef str key
    cdef int kind
    cdef bint has_default
    cdef object default
    cdef object extract
    cdef long long low
    cdef long long high

    def __init__(self, str name, object extract, object field):
        self.name = name
        self.extract = extract
        self.source = SRC_PYTHON
        self.kind = KIND_OTHER
        self.low, self.high = _INT64  # NOTE: Path(ge=...)/Query(le=...) on an int narrow them
        if field is None or field.is_sequence:
            return
        source = _SOURCES.get(field.source)
        kind = _KINDS.get(field.annotation) if type(field.annotation) is type else None
        bounds = _int_bounds(field.annotation) if kind is None else None
        if bounds is not None:
            kind = KIND_INT
            self.low, self.high = bounds
        if source is None or kind is None:
            return
        self.source = source
        self.kind = kind
        self.key = field.key.lower() if source == SRC_HEADER else field.key
        self.has_default = not field.required and field.default_factory is None
        self.default = field.default


cdef object _convert(_Param p, object raw):
    cdef Py_ssize_t n, i, start
    cdef long long number
    cdef const char* data
    if p.kind == KIND_STR:
        return raw if type(raw) is str else _SLOW
    if p.kind == KIND_INT:
        if type(raw) is int:
            return raw if p.low <= raw <= p.high else _SLOW
        if type(raw) is not str or not (<str>raw).isascii():
            return _SLOW
        encoded = (<str>raw).encode("ascii")
        data = encoded
        n = len(encoded)
        start = 1 if n > 0 and data[0] == 45 else 0  # "-"
        if n - start < 1 or n - start > 18:
            return _SLOW
        number = 0
        for i in range(start, n):
            if data[i] < 48 or data[i] > 57:
                return _SLOW
            number = number * 10 + (data[i] - 48)
        if start:
            number = -number
        if number < p.low or number > p.high:
            return _SLOW
        return PyLong_FromLongLong(number)
    if p.kind == KIND_BOOL:
        if type(raw) is str:
            found = PyDict_GetItem(_BOOLS, raw)
            if found != NULL:
                return <object>found
        return _SLOW
    return _SLOW


cpdef object content_type(list raw_headers):
    """The request's Content-Type value, if any."""
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None


cdef class _LanePlan:
    """A route plan's fields the lane reads per request, as C fields (built on first use)."""

    cdef object plan
    cdef object call
    cdef bint sync
    cdef object body_plan
    cdef object decoder
    cdef object msgpack_decoder
    cdef str body_key
    cdef str body_name
    cdef bint query
    cdef bint headers
    cdef bint cookies
    cdef tuple params
    cdef int fast
    cdef int status_code
    cdef bytes content_type_line
    cdef object serialize

    def __init__(self, plan):
        needs = plan.needs
        self.plan = plan
        self.call = plan.simple_call
        self.sync = plan.simple_sync
        self.body_plan = needs.body_plan
        self.query = needs.query
        self.headers = needs.headers
        self.cookies = needs.cookies
        fields = plan.call.fields
        params = []
        body_plan = needs.body_plan
        # PERF: one msgspec- or pydantic-typed, non-embedded JSON body is decoded here, straight into
        # the handler's argument; anything else goes through the body plan.
        self.decoder = None
        self.msgpack_decoder = None  # NOTE: the route reads MessagePack too
        # NOTE: a body whose dataclasses need their defaults completed (_dataclass_defaults)
        # takes the body plan's values, which completes them
        if (
            body_plan is not None
            and not body_plan.embed
            and body_plan._decoder is not None
            and body_plan._complete is None
        ):
            self.decoder = body_plan._decoder
            self.msgpack_decoder = body_plan._msgpack_decoder
            self.body_key = body_plan.fields[0].key
        for (name, extract), field in zip(plan.extractors, fields):
            if self.decoder is not None and field is not None and field.source == "body":
                self.body_name = name
                continue
            params.append(_Param(name, extract, field))
        if self.decoder is not None and self.body_name is None:
            self.decoder = None
            params = [_Param(name, extract, None) for name, extract in plan.extractors]
        self.params = tuple(params)
        self.fast = plan.fast
        self.status_code = plan.status_code
        self.content_type_line = plan.content_type_line
        self.serialize = plan.serialize


cdef class _Call:
    """One request on the lane. PERF: the RequestData that extractors, error handlers and
    Response objects read is built only if one of them runs (~0.2 µs a request otherwise)."""

    cdef RequestCycle cycle
    cdef dict params
    cdef dict query
    cdef list pairs
    cdef object body
    cdef dict body_values
    cdef object data

    cdef object request_data(self):
        if self.data is None:
            cycle = self.cycle
            rd = RequestData(None, None, self.params, cycle.query_string, cycle.raw_headers, cycle)
            if self.query is not None:
                rd.query = self.query
                rd.query_pairs = self.pairs
            if self.body is not None:
                rd.body = self.body
            if self.body_values is not None:
                rd.body_values = self.body_values
            self.data = rd
        return self.data


cdef class DirectLane:
    """The protocol's handler: serves simple routes itself, hands the rest to ``fallback``."""

    cdef public object router
    cdef public object fallback
    cdef object match
    cdef dict lanes

    def __init__(self, router, fallback):
        self.router = router
        self.fallback = fallback
        self.match = router.match
        self.lanes = {}

    def __call__(self, RequestCycle cycle):
        self.serve(cycle)

    cdef serve(self, RequestCycle cycle):
        cdef _LanePlan lane
        cdef _Call req
        status, plan, params = self.match(cycle.method, cycle.path)
        if status != _FOUND:
            self.fallback.asgi(cycle)
            return
        lane = self.lanes.get(plan)
        if lane is None:
            lane = self.lanes[plan] = _LanePlan(plan)
        req = _Call.__new__(_Call)
        req.cycle = cycle
        req.params = params
        call = lane.call
        if call is not None and lane.body_plan is not None:
            req.body = cycle.take_body()  # NOTE: None while the body is still arriving
            if req.body is None:
                call = None
        if call is None:
            self.fallback.serve(cycle, plan, req.request_data())
            return
        try:
            if lane.sync:  # NOTE: a def handler with sync_inline=True: called on the loop
                _answer(self.fallback, lane, req, call(**_arguments(lane, req)))
                return
            coro = call(**_arguments(lane, req))
            # The coroutine runs eagerly under the dispatcher's host Task, so that it sees a
            # current task (asyncio.timeout, anyio cancel scopes): see fastcore/server/dispatch.py
            fallback = self.fallback
            host = fallback.host
            loop = fallback.loop
            try:
                _enter_task(loop, host)
            except RuntimeError:  # NOTE: inside another request's Task: it starts in its own
                fallback.later(cycle, plan, req.request_data(), coro, None)
                return
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _leave_task(loop, host)
                _answer(self.fallback, lane, req, done.value)
                return
            except BaseException:
                _leave_task(loop, host)
                raise
            _leave_task(loop, host)
        except Exception as exc:
            self.fallback.fail(cycle, exc, req.request_data())
            return
        self.fallback.later(cycle, plan, req.request_data(), coro, yielded)


cdef dict _arguments(_LanePlan lane, _Call req):
    cdef _Param p
    cdef dict kwargs = {}
    cdef list errors = []
    cdef RequestCycle cycle = req.cycle
    cdef object mapping
    if lane.query:
        qs = cycle.query_string
        if qs:
            req.pairs = _parse_query(qs)
            req.query = dict(req.pairs)
        else:
            req.pairs = []
            req.query = {}
    if lane.headers:
        req.request_data().parse_headers()
    if lane.cookies:
        req.request_data().parse_cookies()
    body_errors = None
    if lane.body_plan is not None and not _body_fast(lane, req, kwargs):
        rd = req.request_data()
        rd.body_values, body_errors = lane.body_plan.values(
            req.body, content_type(cycle.raw_headers)
        )
    for p in lane.params:
        value = _SLOW
        if p.source != SRC_PYTHON:
            if p.source == SRC_PATH:
                mapping = req.params
            elif p.source == SRC_QUERY:
                mapping = req.query
            elif p.source == SRC_HEADER:
                mapping = req.request_data().headers
            else:
                mapping = req.request_data().cookies
            found = PyDict_GetItem(mapping, p.key)
            if found != NULL:
                value = _convert(p, <object>found)
            elif p.has_default:
                value = p.default
        if value is _SLOW:
            value = p.extract(req.request_data(), errors)
        kwargs[p.name] = value
    if body_errors:
        errors.extend(body_errors)
    if errors:
        raise RequestValidationError(errors, body=req.body)
    return kwargs


cdef bint _body_fast(_LanePlan lane, _Call req, dict kwargs):
    """Decode a JSON body straight into the handler's argument; False: take the plan's way."""
    body = req.body
    if lane.decoder is None or not body:
        return False
    ctype = content_type(req.cycle.raw_headers)
    decoder = lane.decoder
    if ctype is not None:
        kind = _JSON_TYPES.get(ctype)
        if kind is None:
            kind = media_kind(ctype)
            if len(_JSON_TYPES) < 64:
                _JSON_TYPES[ctype] = kind
        if kind != BODY_JSON:
            decoder = lane.msgpack_decoder if kind == BODY_MSGPACK else None
            if decoder is None:
                return False
    try:
        value = decoder.decode(body)
    except ValueError:  # NOTE: msgspec's and pydantic's errors, UnicodeDecodeError too
        return False  # NOTE: the plan's explaining path reports every error
    req.body_values = {lane.body_key: value}
    if req.data is not None:
        req.data.body_values = req.body_values
    kwargs[lane.body_name] = value
    return True


cdef _answer(fallback, _LanePlan lane, _Call req, result):
    # NOTE: a simple route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    if lane.fast == _JSON and (type(result) is dict or not is_response(result)):
        req.cycle.write_simple(lane.status_code, lane.content_type_line, lane.serialize(result))
    elif lane.fast == _TEXT and type(result) is str:
        req.cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
    elif lane.fast == _MSGPACK and (type(result) is dict or not is_response(result)):
        # NOTE: JSON or MessagePack, as the request's Accept prefers (fastcore/_msgpack.py)
        lines, body = lane.plan.msgpack.answer(
            req.cycle.raw_headers, lane.status_code, result, lane.serialize
        )
        req.cycle.write_simple(lane.status_code, lines, body)
    else:
        rd = req.request_data()
        fallback.respond(req.cycle, lane.plan, lane.plan.finish(result, rd), rd)
