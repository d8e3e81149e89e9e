"""Runnable example apps; ``make run`` serves ``examples.shop:app``."""
