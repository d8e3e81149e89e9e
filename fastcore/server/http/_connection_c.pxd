# The C declarations of connection.py, which Cython compiles as
# fastcore.server.http._connection_c (pure-Python mode): the connection's C fields, read by
# the request cycle (_cycle_c.pxd) and by the compiled protocol that extends Connection
# (_protocol_c.pyx), and the methods they call without a Python call.

cdef class Shared:
    cdef public double now
    cdef public bytes extra_headers
    cdef public bint draining
    cdef public bint access_log


cdef class Connection:
    cdef public object state
    cdef public Shared shared
    cdef public object loop
    cdef Py_ssize_t write_buffer_high
    cdef double timeout_linger
    cdef public object transport
    cdef object _write
    cdef public object pending
    cdef public object current
    cdef public object active
    cdef public int phase
    cdef public double since
    cdef public bint closing
    cdef public bint reading_paused
    cdef public bint writing_paused
    cdef public object drain_waiter
    cdef public object rejection
    cdef public bint serving
    # Messages completed so far, and whether the current read carried body bytes.
    cdef Py_ssize_t completed
    cdef bint fed_body
    cdef double body_start
    cdef double paused_at
    # A chunked body's framing, followed to bound its extensions; the read being fed.
    cdef object chunk_walk
    cdef object read_data
    cdef Py_ssize_t read_completed
    cdef bint read_between
    cdef object linger
    cdef public object client
    cdef public object server

    cpdef _serve_pending(self)
    cpdef cycle_done(self, cycle)
    cpdef _follow_chunks(self)
    cpdef _walk_to_end(self)
    cpdef write_raw(self, bytes data)
    cpdef body_consumed(self)
    cpdef _pause_reading(self)
    cpdef _resume_reading(self)
    cpdef _reject(self, rejection)
    cpdef _send_rejection(self)
    cpdef _close(self)
