# The direct lane, compiled: included into _protocol_c.pyx so that it reads the request
# cycle's C fields and the protocol calls it without a Python call. The pure build is
# fastcore/server/http/lane.py (read its docstring); both behave the same.
# PERF: the lane's glue (match, plan fields, extract loop, send, answer) is C here; the
# handler, extractors and encoder stay Python.
# A route is known only through its LaneSpec, the app through its LaneRoutes
# (fastcore/server/contract.py), copied into the C fields below at start-up.

from cpython.dict cimport PyDict_GetItem
from cpython.long cimport PyLong_FromLongLong
from cpython.ref cimport PyObject

from asyncio.tasks import _enter_task, _leave_task

from fastcore.server.contract import Answer as _Answer, Media as _Media, is_response

cdef int _JSON = _Answer.JSON
cdef int _TEXT = _Answer.TEXT
cdef int _MSGPACK = _Answer.MSGPACK
# A body's media kind (contract.Media)
cdef int BODY_JSON = _Media.JSON
cdef int BODY_MSGPACK = _Media.MSGPACK
# Where a typed parameter is read from, and the types converted in C (contract.Source, .Kind).
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
cdef object _SLOW = object()
#: Content-Type values seen, and their media kind (a client sends the same one).
cdef dict _JSON_TYPES = {}


cdef class _Param:
    """One parameter of a lane route (its LaneParam). PERF: an unconstrained str, int or
    bool read from the path, query, headers or cookies is looked up and converted here (two
    Python frames less per parameter); anything else, or any value the C check does not
    accept as is, goes to the parameter's Python extractor, which gives the same value or
    the error."""

    cdef str name
    cdef int source
    cdef str key
    cdef int kind
    cdef bint has_default
    cdef object default
    cdef object extract
    cdef long long low
    cdef long long high
    cdef dict words

    def __init__(self, spec):
        self.name = spec.name
        self.extract = spec.extract
        self.source = spec.source
        self.kind = spec.kind
        self.key = spec.key
        self.has_default = spec.has_default
        self.default = spec.default
        self.low = spec.low
        self.high = spec.high
        self.words = dict(spec.words) if spec.words is not None else {}


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
            found = PyDict_GetItem(p.words, raw)
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
    """A route's LaneSpec, with the app's LaneRoutes hooks, as C fields."""

    cdef object spec
    cdef object call
    cdef bint sync
    cdef object body_values
    cdef object decoder
    cdef object msgpack_decoder
    cdef str body_key
    cdef str body_name
    cdef object media
    cdef bint query
    cdef bint headers
    cdef bint cookies
    cdef tuple params
    cdef int fast
    cdef int status_code
    cdef bytes content_type_line
    cdef object serialize
    cdef object negotiate
    cdef object finish
    cdef object steps
    cdef object submit
    cdef object direct
    cdef object overrides
    cdef object new_state
    cdef object parse_query
    cdef object invalid

    def __init__(self, spec, routes):
        self.spec = spec
        self.call = spec.call
        # NOTE: a def handler: called on the loop (sync_inline=True) or handed to submit
        self.sync = spec.sync or spec.submit is not None
        self.body_values = spec.body_values
        self.query = spec.query
        self.headers = spec.headers
        self.cookies = spec.cookies
        self.decoder = spec.decoder
        self.msgpack_decoder = spec.msgpack_decoder  # NOTE: the route reads MessagePack too
        self.body_key = spec.body_key
        self.body_name = spec.body_name
        self.media = spec.media
        self.params = tuple([_Param(p) for p in spec.params])
        self.fast = spec.answer
        self.status_code = spec.status_code
        self.content_type_line = spec.content_type_line
        self.serialize = spec.serialize
        self.negotiate = spec.negotiate
        self.finish = spec.general.finish
        self.steps = spec.steps  # NOTE: Fallback.STEPS: the dependencies' flat plan
        self.submit = spec.submit  # NOTE: a def handler outside sync_inline: the thread pool
        steps = spec.steps
        self.direct = steps.direct if steps is not None else None
        self.overrides = steps.overrides if steps is not None else None
        self.new_state = routes.request_state
        self.parse_query = routes.parse_query
        self.invalid = routes.invalid


cdef class _Call:
    """One request on the lane. PERF: the request state that extractors, error handlers and
    Response objects read is built only if one of them runs (~0.2 µs a request otherwise)."""

    cdef RequestCycle cycle
    cdef dict params
    cdef dict query
    cdef list pairs
    cdef object body
    cdef dict body_values
    cdef object data

    cdef object request_data(self, _LanePlan lane):
        if self.data is None:
            cycle = self.cycle
            rd = lane.new_state(
                None, None, self.params, cycle.query_string, cycle.raw_headers, cycle
            )
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
    """The protocol's handler: serves lane routes itself, hands the rest to ``fallback``."""

    cdef public object router
    cdef public object fallback
    cdef object match
    cdef object found
    cdef dict lanes

    def __init__(self, routes, fallback):
        self.router = routes.router
        self.fallback = fallback
        self.match = routes.router.match
        self.found = routes.found
        self.lanes = {plan: _LanePlan(spec, routes) for plan, spec in routes.specs.items()}

    def __call__(self, RequestCycle cycle):
        self.serve(cycle)

    cdef serve(self, RequestCycle cycle):
        cdef _LanePlan lane
        cdef _Call req
        status, plan, params = self.match(cycle.method, cycle.path)
        if status != self.found:
            self.fallback.asgi(cycle)
            return
        found = PyDict_GetItem(self.lanes, plan)
        if found == NULL:
            self.fallback.asgi(cycle)
            return
        lane = <_LanePlan>found
        req = _Call.__new__(_Call)
        req.cycle = cycle
        req.params = params
        call = lane.call
        if call is None or lane.body_values is not None:
            call = self._call_for(lane, req)
            if call is None:
                return
        try:
            if lane.sync:  # NOTE: a def handler: on the loop (sync_inline=True) or the pool
                _call_def(self.fallback, lane, req, call)
                return
            kwargs = _arguments(lane, req)
            if kwargs is None:  # NOTE: a flat-plan route's invalid input: the general path
                self.fallback.serve(cycle, lane.spec, req.request_data(lane))
                return
            coro = call(**kwargs)
            # The coroutine runs eagerly under the dispatcher's host Task, so that it sees a
            # current task (asyncio.timeout, anyio cancel scopes): see fastcore/server/dispatch.py
            fallback = self.fallback
            host = fallback.host
            loop = fallback.loop
            try:
                _enter_task(loop, host)
            except RuntimeError:  # NOTE: inside another request's Task: it starts in its own
                fallback.later(cycle, lane.spec, req.request_data(lane), coro, None)
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
            self.fallback.fail(cycle, exc, req.request_data(lane))
            return
        self.fallback.later(cycle, lane.spec, req.request_data(lane), coro, yielded)

    cdef object _call_for(self, _LanePlan lane, _Call req):
        """What the lane calls for a route with a body or without a simple handler: the
        handler once its body has fully arrived, or its flat plan's ``direct`` coroutine
        function (started as a handler is); else None, the request handed over."""
        call = lane.call
        steps = lane.steps
        if (call is not None or steps is not None) and lane.body_values is not None:
            req.body = req.cycle.take_body()  # NOTE: None while the body is still arriving
            if req.body is None:
                call = steps = None
        if call is not None:
            return call
        if steps is None:
            self.fallback.serve(req.cycle, lane.spec, req.request_data(lane))
            return None
        overrides = lane.overrides
        if lane.direct is None or (overrides is not None and overrides.mapping):
            self._steps(lane, req)
            return None
        # PERF: the dependencies and handler as one coroutine, started and answered here
        # as a simple route's handler is
        return lane.direct

    cdef _steps(self, _LanePlan lane, _Call req):
        """A route with dependencies: the handler's parameters here, the rest by its steps."""
        try:
            kwargs = _arguments(lane, req)
        except Exception as exc:
            self.fallback.fail(req.cycle, exc, req.request_data(lane))
            return
        if kwargs is None:  # NOTE: invalid input: the general path calls what FastAPI would
            self.fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        else:
            self.fallback.steps(req.cycle, lane.spec, req.request_data(lane), kwargs)


cdef _call_def(fallback, _LanePlan lane, _Call req, call):
    """A ``def`` handler: called here with ``sync_inline=True``; else in the thread pool and
    answered from the callback that settles its batch of results (PERF: no coroutine, no
    Task, no Future). What ``_arguments`` raises (a 422) is the caller's to answer."""
    overrides = lane.overrides
    if overrides is not None and overrides.mapping:
        # NOTE: a def handler with def dependencies (one pool hop): overrides set by a test
        fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        return
    kwargs = _arguments(lane, req)
    if kwargs is None:  # NOTE: its invalid input: the general path calls what FastAPI would
        fallback.serve(req.cycle, lane.spec, req.request_data(lane))
        return
    if lane.submit is None:
        _answer(fallback, lane, req, call(**kwargs))
    else:
        lane.submit(_Pooled.create(fallback, lane, req), call, kwargs)


cdef class _Pooled:
    """A ``def`` handler's call in the thread pool (``LaneSpec.submit``), seen by the pool as
    its future: the pool settles it on the loop, and the answer is written from there."""

    cdef object fallback
    cdef _LanePlan lane
    cdef _Call req

    @staticmethod
    cdef _Pooled create(fallback, _LanePlan lane, _Call req):
        cdef _Pooled pooled = _Pooled.__new__(_Pooled)
        pooled.fallback = fallback
        pooled.lane = lane
        pooled.req = req
        return pooled

    def done(self):
        return False

    def cancelled(self):
        return False

    def set_result(self, result):
        try:
            _answer(self.fallback, self.lane, self.req, result)
        except Exception as exc:
            self.fallback.fail(self.req.cycle, exc, self.req.request_data(self.lane))

    def set_exception(self, exc):
        self.fallback.fail(self.req.cycle, exc, self.req.request_data(self.lane))


cdef dict _arguments(_LanePlan lane, _Call req):
    """The handler's keyword arguments; a 422 for invalid input, or None on a flat-plan
    route (its dependencies still run, so the general path answers)."""
    cdef _Param p
    cdef dict kwargs = {}
    cdef list errors = []
    cdef RequestCycle cycle = req.cycle
    cdef object mapping
    if lane.query:
        qs = cycle.query_string
        if qs:
            req.pairs = lane.parse_query(qs)
            req.query = dict(req.pairs)
        else:
            req.pairs = []
            req.query = {}
    if lane.headers:
        req.request_data(lane).parse_headers()
    if lane.cookies:
        req.request_data(lane).parse_cookies()
    body_errors = None
    if lane.body_values is not None and not _body_fast(lane, req, kwargs):
        rd = req.request_data(lane)
        rd.body_values, body_errors = lane.body_values(req.body, content_type(cycle.raw_headers))
    for p in lane.params:
        value = _SLOW
        if p.source != SRC_PYTHON:
            if p.source == SRC_PATH:
                mapping = req.params
            elif p.source == SRC_QUERY:
                mapping = req.query
            elif p.source == SRC_HEADER:
                mapping = req.request_data(lane).headers
            else:
                mapping = req.request_data(lane).cookies
            found = PyDict_GetItem(mapping, p.key)
            if found != NULL:
                value = _convert(p, <object>found)
            elif p.has_default:
                value = p.default
        if value is _SLOW:
            value = p.extract(req.request_data(lane), errors)
        kwargs[p.name] = value
    if body_errors:
        errors.extend(body_errors)
    if errors:
        if lane.steps is not None:
            return None
        raise lane.invalid(errors, req.body)
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
            kind = lane.media(ctype)
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
    # NOTE: a lane route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    if lane.fast == _JSON and (type(result) is dict or not is_response(result)):
        req.cycle.write_simple(lane.status_code, lane.content_type_line, lane.serialize(result))
    elif lane.fast == _TEXT and type(result) is str:
        req.cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
    elif lane.fast == _MSGPACK and (type(result) is dict or not is_response(result)):
        # NOTE: JSON or MessagePack, as the request's Accept prefers (fastcore/_planning/msgpack.py)
        lines, body = lane.negotiate(
            req.cycle.raw_headers, lane.status_code, result, lane.serialize
        )
        req.cycle.write_simple(lane.status_code, lines, body)
    else:
        rd = req.request_data(lane)
        fallback.respond(req.cycle, lane.spec, lane.finish(result, rd), rd)
