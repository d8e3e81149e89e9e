# The C declarations of cycle.py, which Cython compiles as fastcore.server.http._cycle_c
# (pure-Python mode): the extension types' fields and the methods the connection and the
# lane call without a Python call. Names cimported from _http11_c stand for the Python
# functions cycle.py imports under the same names.

cimport cython

from fastcore.server.http._connection_c cimport Connection
from fastcore.server.http._http11_c cimport body_allowed, check_header

cdef dict STATUS_LINES
cdef list LENGTH_LINES
cdef bytes CLOSE_END
cdef bytes CRLF
cdef bytes KEEP_END
cdef bytes CONTINUE
cdef bytes CHUNK_END
cdef Py_ssize_t _LENGTH_CACHE


cdef class RequestCycle:
    cdef public Connection protocol
    cdef public str method
    cdef public bytes raw_path
    cdef public str path
    cdef public bytes query_string
    cdef public list raw_headers
    cdef public str http_version
    cdef public bint keep_alive
    cdef public bint head_only
    cdef public bint expect_continue
    cdef public bint continue_sent
    cdef public list chunks
    cdef public Py_ssize_t body_size
    cdef public Py_ssize_t buffered
    cdef public bint body_delivered
    cdef public bint complete
    cdef public bint disconnected
    cdef public object waiter
    cdef public bint response_started
    cdef public bint response_complete
    cdef public bint chunked
    cdef public int status
    cdef public object _pending_start

    cdef void _setup(
        self,
        Connection protocol,
        str method,
        bytes raw_path,
        bytes query_string,
        list raw_headers,
        str http_version,
        bint keep_alive,
    )
    @cython.locals(chunks=list)
    cpdef object take_body(self)
    cpdef wake(self)
    @cython.locals(
        protocol=Connection, end=bytes, line=bytes, size=Py_ssize_t, length=bytes, data=bytes
    )
    cpdef write_simple(self, int status, bytes content_type, bytes body)
    cpdef bint _body_allowed(self)
