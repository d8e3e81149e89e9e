# The C declarations of lane.py, which Cython compiles as fastcore.server.http._lane_c
# (pure-Python mode): the lane's extension types and fields, its per-request functions as C
# functions with typed locals, and DirectLane.serve, which the compiled protocol calls in C.
# The lane reads the request cycle's C fields (_cycle_c.pxd); ascii_int, cimported from
# _http11_c, stands for the function lane.py imports from http11 under the same name.

cimport cython

from fastcore.server.http._cycle_c cimport RequestCycle
from fastcore.server.http._http11_c cimport ascii_int

cdef int _JSON
cdef int _TEXT
cdef int _MSGPACK
cdef int _BODY_JSON
cdef int _BODY_MSGPACK
cdef int _PATH
cdef int _QUERY
cdef int _HEADER
cdef int _COOKIE
cdef int _STR
cdef int _INT
cdef int _BOOL
cdef object _SLOW
cdef dict _JSON_TYPES

cpdef object content_type(list raw_headers)


@cython.final
cdef class _Param:
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


@cython.final
cdef class _LanePlan:
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
    cdef bint bare


@cython.final
cdef class _Call:
    cdef RequestCycle cycle
    cdef dict params
    cdef dict query
    cdef list pairs
    cdef object body
    cdef dict body_values
    cdef object data

    cdef object request_data(self, _LanePlan lane)


@cython.final
cdef class DirectLane:
    cdef public object router
    cdef public object fallback
    cdef object match
    cdef object found
    cdef dict lanes

    @cython.locals(lane=_LanePlan, req=_Call, fast=int)
    cpdef serve(self, RequestCycle cycle)
    cdef object _call_for(self, _LanePlan lane, _Call req)
    cdef _steps(self, _LanePlan lane, _Call req)


cdef _call_def(fallback, _LanePlan lane, _Call req, call)


@cython.final
cdef class _Pooled:
    cdef object fallback
    cdef _LanePlan lane
    cdef _Call req


@cython.locals(p=_Param, kwargs=dict, errors=list, cycle=RequestCycle, mapping=dict)
cdef dict _arguments(_LanePlan lane, _Call req)
@cython.locals(kwargs=dict)
cdef bint _body_fast(_LanePlan lane, _Call req, dict kwargs)
@cython.locals(cycle=RequestCycle)
cdef _answer(fallback, _LanePlan lane, _Call req, result)
cdef _respond(fallback, _LanePlan lane, _Call req, result)
