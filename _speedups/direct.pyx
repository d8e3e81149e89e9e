# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: see bench/micro/test_bench_server.py; the lane's own frames (match, extract loop,
# send, answer) are C here, the handler, extractors and encoder stay Python.
"""The fast lane from a parsed request to the bytes written: the compiled build.

Same names and behaviour as ``fastcore._pure.direct`` (read its docstring); compiled
because it runs once per request and is glue between C calls: the router's match, the
handler's ``send(None)``, msgspec's encoder and the protocol's writer.
"""

from fastcore._accel import load
from fastcore.exceptions import RequestValidationError
from fastcore.handlers import RequestData
from fastcore.responses import Response

__all__ = ["DirectLane", "content_type"]

cdef object _FOUND = load("router").FOUND
cdef int _JSON = 1
cdef int _TEXT = 2


cpdef object content_type(list raw_headers):
    """The request's Content-Type value, if any."""
    for name, value in raw_headers:
        if name == b"content-type":
            return value
    return None


cdef class DirectLane:
    """The protocol's handler: serves simple routes itself, hands the rest to ``fallback``."""

    cdef public object router
    cdef public object fallback
    cdef object match

    def __init__(self, router, fallback):
        self.router = router
        self.fallback = fallback
        self.match = router.match

    def __call__(self, cycle):
        status, plan, params = self.match(cycle.method, cycle.path)
        if status != _FOUND:
            self.fallback.asgi(cycle)
            return
        rd = RequestData(
            None, cycle.receive, params, cycle.query_string, cycle.raw_headers, cycle.scope
        )
        call = plan.simple_call
        body = None
        if call is not None and plan.needs.body_plan is not None:
            body = cycle.take_body()  # NOTE: None while the body is still arriving
            if body is None:
                call = None
        if call is None:
            self.fallback.serve(cycle, plan, rd)
            return
        try:
            coro = call(**_arguments(plan, rd, body))
            try:
                yielded = coro.send(None)
            except StopIteration as done:
                _answer(self.fallback, cycle, plan, rd, done.value)
                return
        except Exception as exc:
            self.fallback.fail(cycle, exc, rd)
            return
        self.fallback.later(cycle, plan, rd, coro, yielded)


cdef dict _arguments(plan, rd, body):
    needs = plan.needs
    if needs.query:
        rd.parse_query()
    if needs.headers:
        rd.parse_headers()
    if needs.cookies:
        rd.parse_cookies()
    body_errors = None
    body_plan = needs.body_plan
    if body_plan is not None:
        rd.body = body
        rd.body_values, body_errors = body_plan.values(body, content_type(rd.raw_headers))
    cdef list errors = []
    cdef dict kwargs = {}
    for name, extract in plan.extractors:
        kwargs[name] = extract(rd, errors)
    if body_errors:
        errors.extend(body_errors)
    if errors:
        raise RequestValidationError(errors, body=rd.body)
    return kwargs


cdef _answer(fallback, cycle, plan, rd, result):
    # NOTE: a simple route has no Response or BackgroundTasks parameter, so what it returns
    # is all there is to send.
    fast = plan.fast
    if fast == _JSON and not isinstance(result, Response):
        cycle.write_simple(plan.status_code, plan.content_type_line, plan.serialize(result))
    elif fast == _TEXT and type(result) is str:
        cycle.write_simple(plan.status_code, plan.content_type_line, result.encode())
    else:
        fallback.respond(cycle, plan, plan.finish(result, rd), rd)
