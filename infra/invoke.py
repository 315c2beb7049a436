"""``make invoke FN=webhook EVENT=infra/events/http_api_webhook_start.json``: one handler, in-process.

The same event files work with ``sam local invoke`` where Docker exists. The handler reads its
configuration from the environment, exactly as on Lambda. Its log lines go to stderr, so stdout holds
only the handler's answer (``make invoke ... | jq`` works).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from creativebot.observability import logger
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
    with _logs_to_stderr():
        result = module.handler(event, LocalContext(name))
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0


@contextlib.contextmanager
def _logs_to_stderr() -> Iterator[None]:
    # Log lines go through the logger's own stream; metrics (EMF) are printed to stdout.
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)  # Powertools' default handler
    previous = handler.setStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        handler.setStream(previous)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
