"""``python -m pydelt_like``: the same as the ``pydelt-like`` command."""

import sys

from pydelt_like.cli import main

sys.exit(main())
