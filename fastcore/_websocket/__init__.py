"""WebSocket routes: what ``@app.websocket`` records (``routes``, ``api``) and how a
``websocket`` scope is served with them (``plans``). The WebSocket protocol over a transport
is the server's (``fastcore.server.http.websocket``)."""
