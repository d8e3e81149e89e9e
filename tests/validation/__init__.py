"""Parameter conversion and FastAPI's 422 details (``fastcore/_validation/``)."""
