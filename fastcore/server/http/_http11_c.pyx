# cython: language_level=3, boundscheck=False, wraparound=False, auto_pickle=False
"""The compiled build's C versions of a few per-request checks of ``http11`` and ``_status``.

A one-source module (``cycle.py``) imports the Python function by name; its ``.pxd``
cimports the function of the same name from here, so Cython compiles the call as a C call.
Each gives the same answer (or raises the same error) as the function it stands for; the
tests hold them equal (tests/server/http/test_protocol.py).
"""

from cpython.long cimport PyLong_FromLongLong
from libc.string cimport memchr

from fastcore.server.http import http11


cpdef bint body_allowed(int status) noexcept:
    """fastcore._status.body_allowed in C: 1xx, 204 and 304 carry no body."""
    return not (status < 200 or status == 204 or status == 304)


cdef inline bint _bytes_safe(object part):
    """No CR, LF or NUL in ``part`` (a bytes object): memchr, no interpreter frame."""
    cdef const char* data
    cdef Py_ssize_t size
    if type(part) is not bytes:
        return False  # NOTE: http11.check_header decides (and names the error)
    data = <bytes>part
    size = len(<bytes>part)
    return (
        memchr(data, 13, size) == NULL
        and memchr(data, 10, size) == NULL
        and memchr(data, 0, size) == NULL
    )


cpdef check_header(object name, object value):
    """http11.check_header's rule; that function is called (to raise its error) only for a
    header memchr did not clear."""
    if _bytes_safe(name) and _bytes_safe(value):
        return
    http11.check_header(name, value)


cpdef object ascii_int(str raw, long long low, long long high):
    """http11.ascii_int in C: the digits read in a C loop, no int() parse."""
    cdef Py_ssize_t n, i, start
    cdef long long number
    cdef const char* data
    if not raw.isascii():
        return None
    encoded = raw.encode("ascii")
    data = encoded
    n = len(encoded)
    start = 1 if n > 0 and data[0] == 45 else 0  # "-"
    if n - start < 1 or n - start > 18:
        return None
    number = 0
    for i in range(start, n):
        if data[i] < 48 or data[i] > 57:
            return None
        number = number * 10 + (data[i] - 48)
    if start:
        number = -number
    if number < low or number > high:
        return None
    return PyLong_FromLongLong(number)
