"""``make invoke FN=webhook EVENT=infra/events/http_api_webhook_start.json``: one handler, in-process.

The same event files work with ``sam local invoke`` where Docker exists. The handler reads its
configuration from the environment, exactly as on Lambda.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

from infra.local.esm import LocalContext

FUNCTIONS = ("webhook", "kie_callback", "worker", "cron")


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in FUNCTIONS:
        print(f"usage: make invoke FN={{{','.join(FUNCTIONS)}}} EVENT=path/to/event.json", file=sys.stderr)
        return 2
    name, event_path = argv
    try:
        event = json.loads(Path(event_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read the event {event_path}: {exc}", file=sys.stderr)
        return 2
    module = importlib.import_module(f"functions.{name}.app")
    result = module.handler(event, LocalContext(name))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
