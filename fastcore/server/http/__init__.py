"""HTTP/1.1 on an asyncio transport, in two builds side by side: the pure modules
(``protocol``, ``cycle``, ``lane``) and their compiled twin ``_protocol_c``
(``_protocol_c.pyx``, which includes ``_lane_c.pxi``, on ``cycle.py`` compiled as it is:
``_cycle_c``, its C declarations in ``_cycle_c.pxd``; ``_http11_c`` holds the C checks).
``fastcore._accel.load("fastcore.server.http.protocol")`` picks the build; ``http11`` holds
what both share, ``websocket`` the sessions an upgrade hands the transport to."""
