"""python -m groups_assets --day day1: the same as groups-pipeline run --day day1."""

import sys

from groups_assets.cli.main import main

sys.exit(main())
