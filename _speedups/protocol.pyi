"""Types of ``fastcore._speedups.protocol``; the same surface as ``fastcore._pure.protocol``."""

from fastcore._pure.protocol import DirectLane as DirectLane
from fastcore._pure.protocol import HttpProtocol as HttpProtocol
from fastcore._pure.protocol import RequestCycle as RequestCycle
from fastcore._pure.protocol import Shared as Shared
from fastcore.server.http11 import status_line as status_line

__all__ = [
    "BODY",
    "HEAD",
    "IDLE",
    "RESPONDING",
    "DirectLane",
    "HttpProtocol",
    "RequestCycle",
    "Shared",
    "status_line",
]

BODY: int
HEAD: int
IDLE: int
RESPONDING: int
