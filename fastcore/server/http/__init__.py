"""HTTP/1.1 on an asyncio transport, in two builds side by side: the pure modules
(``protocol``, ``cycle``, ``lane``) and their compiled twin ``_protocol_c`` (one extension
module: ``_protocol_c.pyx`` includes ``_cycle_c.pxi`` and ``_lane_c.pxi``).
``fastcore._accel.load("fastcore.server.http.protocol")`` picks the build; ``http11`` holds
what both share, ``websocket`` the sessions an upgrade hands the transport to."""
