#!/usr/bin/env python3
"""Switchboard benchmarks (`make bench`): the entry point of the package scripts/bench/
(its docstring, or `scripts/bench.py --help`, says what is measured and how).

  scripts/bench.py [--quick] [--only messages,latency,memory] [--write | --no-write] [--output FILE] [--keep]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
