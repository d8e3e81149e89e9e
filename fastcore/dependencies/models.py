"""``fastapi.dependencies.models``'s import path: the ``Dependant`` a signature is read into.

fastcore's ``Dependant`` is its own (``params`` with a ``source`` each, ``dependencies`` as
``SubDependency`` entries) rather than FastAPI's field lists; ``path_params``,
``query_params``, ``header_params``, ``cookie_params`` and ``body_params`` give FastAPI's
views of it for code that reads them.
"""

from __future__ import annotations

from fastcore.dependencies import Dependant, ParamField, SubDependency

__all__ = ["Dependant", "ParamField", "SubDependency"]
