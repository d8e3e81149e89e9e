"""Compiled twins of ``fastcore._pure``; chosen by ``fastcore._accel``."""
