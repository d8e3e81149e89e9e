"""HTTP/1.1 on an asyncio transport, in two builds side by side: the pure modules
(``protocol``, ``connection``, ``cycle``, ``lane``) and the compiled ones: ``_protocol_c``
(``_protocol_c.pyx``, the protocol's per-request path) on ``connection.py``, ``cycle.py`` and
``lane.py`` compiled as they are (``_connection_c``, ``_cycle_c``, ``_lane_c``, their C
declarations in the ``.pxd`` beside them; ``_http11_c`` holds the C checks).
``fastcore._accel.load("fastcore.server.http.protocol")`` picks the build; ``http11`` holds
what both share, ``websocket`` the sessions an upgrade hands the transport to."""
