"""Types of ``_protocol_c``: the same surface as ``fastcore.server.http.protocol``."""

from fastcore.server.http.http11 import status_line as status_line
from fastcore.server.http.protocol import DirectLane as DirectLane
from fastcore.server.http.protocol import HttpProtocol as HttpProtocol
from fastcore.server.http.protocol import RequestCycle as RequestCycle
from fastcore.server.http.protocol import Shared as Shared

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
