"""Size limits on what bri-data reads and draws, declared once (README: "Limits").

Every reader checks its limit before reading further, so memory stays bounded by these
numbers and hostile input costs a finding or a clear error, never an OOM or a hang.
"""

from __future__ import annotations

# datapackage.json (and any generated file `build --check` compares): far above the
# shipped ~40 KB, far below what could exhaust memory.
MAX_DESCRIPTOR_BYTES = 4 << 20
# JSON nesting depth of the descriptor; the profile needs 5 levels.
MAX_JSON_DEPTH = 64
# One table file. The row engine streams; the columnar engine reads it in blocks.
MAX_TABLE_BYTES = 1 << 30
# One CSV record (a row, quoted line breaks included), hence any cell: a row is held
# in memory whole while it is parsed.
MAX_ROW_BYTES = 8 << 20
# One seed text: seeds are held in memory and indexed (the index takes up to ~50x the
# text), so a seed is capped well below the tables.
MAX_SEED_BYTES = 4 << 20
# All seed texts of one package together (a seed named by several sources rows counts
# once): what provenance, locate and coverage hold in memory at once.
MAX_SEEDS_TOTAL_BYTES = 16 << 20
# A path in the descriptor or in sources.path: characters in all, and per component.
MAX_PATH_CHARS = 1024
MAX_NAME_CHARS = 255
# Rows of the timeline picture (member rows plus event lanes): the PNG canvas grows with them.
MAX_TIMELINE_ROWS = 300
