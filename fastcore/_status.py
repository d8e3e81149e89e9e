"""What a response's status code says about its body, defined once for every layer.

RFC 9110 (15.2, 15.3.5, 15.4.5): a 1xx, 204 or 304 response has no content, whatever the
handler returned. The plans (``fastcore._planning``), the ASGI entry's exception handler, the
OpenAPI builder and both builds of fastcore's server follow this rule; like
``fastcore._accel`` this module sits below every layer and imports nothing of fastcore. The
compiled protocol keeps a C copy for its writer, held to this one by
``tests/server/http/test_protocol.py``. A response to HEAD has no body either; that is the request's
method, not the status, and the writers check it beside this rule.

FastAPI's public ``fastapi.utils.is_body_allowed_for_status_code`` adds 205 to these
(``fastcore/utils.py`` builds it on ``body_allowed``).
"""

from __future__ import annotations

__all__ = ["body_allowed"]


def body_allowed(status: int) -> bool:
    """False for the statuses whose responses carry no body: 1xx, 204 and 304."""
    return not (status < 200 or status == 204 or status == 304)
