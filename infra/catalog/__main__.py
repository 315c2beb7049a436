"""python -m infra.catalog [path/to/models.json]"""

from __future__ import annotations

import sys
from pathlib import Path

from infra.catalog import SOURCE, TARGET, build, summary, write

source = Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE
catalog = build(source)
write(catalog)
print(f"{TARGET}: {summary(catalog)}")
