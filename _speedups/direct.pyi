"""Types of ``fastcore._speedups.direct``; the same surface as ``fastcore._pure.direct``."""

from fastcore._pure.direct import DirectLane as DirectLane
from fastcore._pure.direct import content_type as content_type

__all__ = ["DirectLane", "content_type"]
