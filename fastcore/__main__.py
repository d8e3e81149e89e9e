"""``python -m fastcore run module:app``: the same command line as the ``fastcore`` script."""

import sys

from fastcore.server.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
