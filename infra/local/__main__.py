"""``make run``: the whole bot on this machine. Ctrl-C stops it; the data stays in .local/."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from infra.local.stack import LocalStack, StackConfig


def main() -> int:
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "creativebot")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "1")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "1")
    # Quiet by default; POWERTOOLS_LOG_LEVEL=INFO make run shows every event with its cid.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's access log, one line per poll
    port = int(os.environ.get("PORT", "8080"))
    config = StackConfig(
        port=port,
        emulator_port=int(os.environ.get("EMULATOR_PORT", port + 1)),
        kie_port=int(os.environ.get("FAKE_KIE_PORT", port + 2)),
        sqs_port=int(os.environ.get("LOCAL_SQS_PORT", port + 3)),
        data_dir=Path(os.environ.get("LOCAL_DATA_DIR", ".local")),
    )
    stack = LocalStack(config)
    print("Starting Creative Bot locally…", flush=True)
    try:
        parts = stack.start()
    except Exception as exc:
        stack.stop()
        print(f"\nCould not start: {exc}", file=sys.stderr)
        return 1
    print(f"\nCreative Bot is running (ready in {parts.ready_sec:.1f} s):\n{parts.summary()}\n", flush=True)
    if parts.chat_url:
        print(f"Open {parts.chat_url} and type /start.  Ctrl-C stops everything.\n", flush=True)
    done = threading.Event()
    # Ctrl-C (SIGINT) or SIGTERM stops everything; set explicitly, since a shell starting us in the
    # background would otherwise leave SIGINT ignored.
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: done.set())
    with contextlib.suppress(KeyboardInterrupt):
        done.wait()
    print("\nStopping…", flush=True)
    stack.stop()
    print("Stopped. Data kept in", config.data_dir, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
