"""Route plans (``fastcore/_planning/``): bodies, forms, MessagePack, streaming, background
tasks, bad input."""
