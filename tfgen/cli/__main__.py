"""`python -m tfgen.cli ...`: the `tfgen` command."""

import sys

from tfgen.cli.app import main

sys.exit(main())
