"""`python -m benchmarks` runs the whole benchmark (make bench)."""

import sys

from benchmarks.run import main

sys.exit(main())
