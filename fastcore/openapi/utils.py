"""``fastapi.openapi.utils``'s import path: ``get_openapi``, for apps that customise their document.

The document is built by ``fastcore.openapi.builder``; routes that no started app has
planned are planned here by an empty app's planner, so this module sits above the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastcore.app import FastCore
from fastcore.openapi.builder import openapi_document

__all__ = ["get_openapi"]


def get_openapi(
    *,
    title: str,
    version: str,
    openapi_version: str = "3.1.0",
    summary: str | None = None,
    description: str | None = None,
    routes: Sequence[Any],
    webhooks: Sequence[Any] | None = None,
    tags: list[dict[str, Any]] | None = None,
    servers: list[dict[str, Any]] | None = None,
    terms_of_service: str | None = None,
    contact: dict[str, Any] | None = None,
    license_info: dict[str, Any] | None = None,
    separate_input_output_schemas: bool = True,
    external_docs: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """FastAPI's ``get_openapi``, for apps that customise their document (``app.openapi = f``).

    Routes the app has not planned yet (it has not started, or they are another app's) are
    planned here for the document only; they are not served by that.
    """
    return openapi_document(
        _standalone_planner,
        title=title,
        version=version,
        openapi_version=openapi_version,
        summary=summary,
        description=description,
        routes=routes,
        webhooks=webhooks,
        tags=tags,
        servers=servers,
        terms_of_service=terms_of_service,
        contact=contact,
        license_info=license_info,
        separate_input_output_schemas=separate_input_output_schemas,
        external_docs=external_docs,
    )


def _standalone_planner() -> Any:
    """A route planner outside any app: an empty app's, started once for its settings."""
    planner = FastCore(openapi_url=None)
    planner.freeze()
    return planner._plan
