"""The planning layer: a route's signature read once at start-up, then run per request.

``handlers`` turns a route's Dependant into a ``RoutePlan`` (``plans``); the other modules
are the plan's parts: bodies and forms, parameter and form models, response shaping and
serialization, streaming, body limits, the thread pool ``def`` callables run in. Nothing
here imports the server: the server and the ASGI entry run what this layer plans.
"""
