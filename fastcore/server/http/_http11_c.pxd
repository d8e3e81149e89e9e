# The C-level spots of the request path, as cpdef functions: a one-source module's .pxd
# cimports them under the names its .py imports from http11 (or fastcore._status), so the
# call site is written once and is a C call in the compiled build.

cpdef bint body_allowed(int status) noexcept
cpdef check_header(object name, object value)
cpdef object ascii_int(str raw, long long low, long long high)
