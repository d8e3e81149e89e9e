# The direct lane, compiled: included into protocol.pyx so that it reads the request
# cycle's C fields and the protocol calls it without a Python call. The pure build is
# fastcore/_pure/lane.py (read its docstring); both behave the same.
# PERF: the lane's glue (match, plan fields, extract loop, send, answer) is C here; the
# handler, extractors and encoder stay Python.

from fastcore._accel import load as _load
from fastcore.exceptions import RequestValidationError
from fastcore.handlers import RequestData
from fastcore.responses import Response

cdef object _FOUND = _load("router").FOUND
cdef int _JSON = 1
cdef int _TEXT = 2


def content_type(list raw_headers):
    """The request's Content-Type value, if any."""
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None


cdef class _LanePlan:
    """A route plan's fields the lane reads per request, as C fields (built on first use)."""

    cdef object plan
    cdef object call
    cdef object body_plan
    cdef bint query
    cdef bint headers
    cdef bint cookies
    cdef tuple extractors
    cdef int fast
    cdef int status_code
    cdef bytes content_type_line
    cdef object serialize

    def __init__(self, plan):
        needs = plan.needs
        self.plan = plan
        self.call = plan.simple_call
        self.body_plan = needs.body_plan
        self.query = needs.query
        self.headers = needs.headers
        self.cookies = needs.cookies
        self.extractors = tuple(plan.extractors)
        self.fast = plan.fast
        self.status_code = plan.status_code
        self.content_type_line = plan.content_type_line
        self.serialize = plan.serialize


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
        status, plan, params = self.match(cycle.method, cycle.path)
        if status != _FOUND:
            self.fallback.asgi(cycle)
            return
        rd = RequestData(None, None, params, cycle.query_string, cycle.raw_headers, cycle)
        lane = self.lanes.get(plan)
        if lane is None:
            lane = self.lanes[plan] = _LanePlan(plan)
        call = lane.call
        body = None
        if call is not None and lane.body_plan is not None:
            body = cycle.take_body()  # NOTE: None while the body is still arriving
            if body is None:
                call = None
        if call is None:
            self.fallback.serve(cycle, plan, rd)
            return
        try:
            coro = call(**_arguments(lane, rd, body))
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _answer(self.fallback, cycle, lane, rd, done.value)
                return
        except Exception as exc:
            self.fallback.fail(cycle, exc, rd)
            return
        self.fallback.later(cycle, plan, rd, coro, yielded)


cdef dict _arguments(_LanePlan lane, rd, body):
    if lane.query:
        rd.parse_query()
    if lane.headers:
        rd.parse_headers()
    if lane.cookies:
        rd.parse_cookies()
    body_errors = None
    if lane.body_plan is not None:
        rd.body = body
        rd.body_values, body_errors = lane.body_plan.values(body, content_type(rd.raw_headers))
    cdef list errors = []
    cdef dict kwargs = {}
    for name, extract in lane.extractors:
        kwargs[name] = extract(rd, errors)
    if body_errors:
        errors.extend(body_errors)
    if errors:
        raise RequestValidationError(errors, body=rd.body)
    return kwargs


cdef _answer(fallback, RequestCycle cycle, _LanePlan lane, rd, result):
    # NOTE: a simple route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    if lane.fast == _JSON and not isinstance(result, Response):
        cycle.write_simple(lane.status_code, lane.content_type_line, lane.serialize(result))
    elif lane.fast == _TEXT and type(result) is str:
        cycle.write_simple(lane.status_code, lane.content_type_line, result.encode())
    else:
        fallback.respond(cycle, lane.plan, lane.plan.finish(result, rd), rd)
