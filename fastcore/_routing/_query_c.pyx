# cython: language_level=3, binding=True, boundscheck=False, wraparound=False, auto_pickle=False
# PERF: docs/benchmarks.md ("Compiled twins") has the figures (bench/micro/test_bench_query.py).
"""Splits a raw query string into (name, value) pairs: the compiled build.

Every request with query parameters parses its query string, and urllib's parse_qsl was a
third of a typed GET's cost in the ASGI path. This walks the bytes once in C; a part with
no ``%`` or ``+`` becomes a str straight from its bytes (latin-1, as Starlette decodes the
query string), and only escaped parts go through ``urllib.parse.unquote`` so that the
result is exactly parse_qsl's. The pure twin is ``fastcore/_routing/query.py``.
"""

from cpython.unicode cimport PyUnicode_DecodeLatin1

from urllib.parse import unquote

__all__ = ["parse_query"]


cdef inline str _piece(const char* buf, Py_ssize_t start, Py_ssize_t end, bint escaped):
    cdef str text = PyUnicode_DecodeLatin1(buf + start, end - start, NULL)
    if escaped:
        if "+" in text:
            text = text.replace("+", " ")
        if "%" in text:
            text = unquote(text)
    return text


def parse_query(bytes qs not None):
    """``b"a=1&b=%20x"`` -> ``[("a", "1"), ("b", " x")]``: blank values kept, empty parts not."""
    cdef const char* buf = qs
    cdef Py_ssize_t n = len(qs)
    cdef Py_ssize_t i = 0, start = 0, eq = -1
    cdef bint name_escaped = False, value_escaped = False
    cdef char c
    cdef list pairs = []
    while i <= n:
        c = buf[i] if i < n else 38  # 38 is '&': the end closes the last part
        if c == 38:
            if i > start:
                if eq < 0:
                    pairs.append((_piece(buf, start, i, name_escaped), ""))
                else:
                    pairs.append((_piece(buf, start, eq, name_escaped),
                                  _piece(buf, eq + 1, i, value_escaped)))
            start = i + 1
            eq = -1
            name_escaped = value_escaped = False
        elif c == 61 and eq < 0:  # '='
            eq = i
        elif c == 37 or c == 43:  # '%' or '+'
            if eq < 0:
                name_escaped = True
            else:
                value_escaped = True
        i += 1
    return pairs
