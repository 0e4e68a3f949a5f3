"""``python -m remodel_fit``: the command line."""

import sys

from .cli import main

sys.exit(main())
