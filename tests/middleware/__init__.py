"""``fastcore.middleware``: each middleware beside Starlette's."""
