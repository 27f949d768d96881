from __future__ import annotations

import sys
from pathlib import Path

# fixturekit lives beside the tests; make it importable without packaging tests/.
sys.path.insert(0, str(Path(__file__).resolve().parent))
