"""jobtracker benchmarks: `make bench` prints a table and writes bench/results.json."""

import sys
from pathlib import Path

# As in `make` and pytest: the functions' packages and the repository root are importable.
_ROOT = Path(__file__).resolve().parent.parent
for _path in (str(_ROOT), str(_ROOT / "functions")):
    if _path not in sys.path:
        sys.path.insert(0, _path)
