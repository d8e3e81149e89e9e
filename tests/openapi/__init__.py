"""The OpenAPI document and the docs pages (``fastcore/openapi/``)."""
