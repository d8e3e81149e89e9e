"""``fastcore.security``: the schemes on their own and beside FastAPI's."""
