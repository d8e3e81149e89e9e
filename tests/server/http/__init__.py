"""HTTP/1.1 on a transport (``fastcore/server/http/``): the protocol's builds, the direct
lane, and the server over real sockets."""
