"""``make rehearse``: run every function from the built layer alone, as Lambda would, on this machine.

``make rehearse`` builds the layer from shared/requirements.lock for this machine's platform and Python
(the same Makefile target ``sam build`` runs, with LAYER_TARGET=host), then this module:

- measures the layer (bytes unzipped and zipped, files) and refuses a ``.pyc`` made by another Python
  than the one the layer is for (its file name carries the interpreter's cache tag, e.g. cpython-312);
- starts the parts a function talks to, in this process: PostgreSQL (pgserver), SQS (moto's server), the
  Telegram emulator and the fake KIE;
- runs each function in a process of its own, ``python -I -S -B``: no site-packages, no user site, no
  PYTHON* variables, nothing written back into the artifact. Its ``sys.path`` is the standard library, the
  layer and the function's own folder, exactly like /opt/python and /var/task on Lambda. After the
  invocation the process lists every imported module that came from anywhere else, and there must be none;
- invokes each function with its sample event from infra/events/ and checks the answer, in deploy order:
  cron ``{"task": "migrate"}`` on an empty database, webhook (and GET /version), worker, kie_callback,
  cron's scheduled run.

``python -m tests.infra.rehearse --size-only --cache-tag cpython-312 DIR`` only measures a built layer
(``make layer``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "infra" / "events"
FUNCTIONS = ROOT / "functions"
LAMBDA_LAYER_LIMIT = 250 * 1024 * 1024  # unzipped: function code plus all layers
USER = 111111  # the person in the sample events
GIT_SHA = "rehearsal"

# The sample events are signed with the test suite's fake values (tests/conftest.py FAKE_ENV); a test
# keeps the two in step. None of them is a real credential.
FAKE_SECRETS = {
    "TELEGRAM_BOT_TOKEN": "1234567:test-token-not-a-real-one-0000",
    "TELEGRAM_WEBHOOK_SECRET": "test-webhook-secret",
    "KIE_API_KEY": "test-kie-key-not-a-real-one",
    "KIE_CALLBACK_SECRET": "test-callback-secret-0123456789",
}

# Runs inside the function's process: the layer and the function folder go first on sys.path, the
# handler is invoked with a Lambda-shaped context, and the answer and any foreign import go to a file.
BOOTSTRAP = """
import json, os, sys, sysconfig, uuid
layer, function_dir, event_path, name, out_path = sys.argv[1:6]
sys.path[:0] = [function_dir, layer]

class Context:
    function_name = name
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-central-1:000000000000:function:" + name
    memory_limit_in_mb = 512
    aws_request_id = str(uuid.uuid4())
    log_group_name = "/aws/lambda/" + name
    log_stream_name = "rehearsal"
    def get_remaining_time_in_millis(self):
        return 60000

import app
with open(event_path, encoding="utf-8") as f:
    event = json.load(f)
result = app.handler(event, Context())
allowed = [os.path.realpath(p) for p in (layer, function_dir, sysconfig.get_paths()["stdlib"],
                                         sysconfig.get_paths()["platstdlib"])]
foreign = sorted(
    module_name for module_name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and not any(os.path.realpath(module.__file__).startswith(root + os.sep) for root in allowed)
)
with open(out_path, "w", encoding="utf-8") as f:
    json.dump({"result": result, "foreign": foreign}, f, default=str)
"""


@dataclass(frozen=True)
class LayerSize:
    files: int
    unzipped: int
    zipped: int
    compiled: int  # .pyc files for the layer's own Python
    foreign_pyc: list[str]  # .pyc files of any other Python

    def describe(self) -> str:
        mb = 1024 * 1024
        return (
            f"layer: {self.files} files, {self.unzipped / mb:.1f} MB unzipped, {self.zipped / mb:.1f} MB zipped"
            f" ({self.unzipped / LAMBDA_LAYER_LIMIT:.0%} of Lambda's 250 MB), {self.compiled} .pyc"
        )


def measure(layer: Path, cache_tag: str) -> LayerSize:
    """Sizes of a built layer folder (the ``python/`` directory) and its byte-compiled files."""
    unzipped = files = compiled = 0
    foreign_pyc: list[str] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(layer.rglob("*")):
            if not path.is_file():
                continue
            files += 1
            unzipped += path.stat().st_size
            if path.name.endswith(f".{cache_tag}.pyc"):
                compiled += 1
            elif path.suffix == ".pyc":
                foreign_pyc.append(str(path.relative_to(layer)))
            archive.write(path, Path("python") / path.relative_to(layer))
    return LayerSize(
        files=files,
        unzipped=unzipped,
        zipped=buffer.getbuffer().nbytes,
        compiled=compiled,
        foreign_pyc=foreign_pyc,
    )


@dataclass(frozen=True)
class Invocation:
    result: Any
    foreign: list[str]
    seconds: float
    logs: str


def invoke(
    layer: Path,
    function: str,
    event: dict[str, Any],
    env: dict[str, str],
    *,
    functions_dir: Path = FUNCTIONS,
) -> Invocation:
    """One invocation of ``functions/<function>/app.handler`` in a process that sees only the layer."""
    with tempfile.TemporaryDirectory(prefix="rehearse-") as scratch:
        event_path = Path(scratch) / "event.json"
        event_path.write_text(json.dumps(event), encoding="utf-8")
        out_path = Path(scratch) / "out.json"
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 - our own interpreter and bootstrap
            [
                sys.executable,
                "-I",
                "-S",
                "-B",
                "-c",
                BOOTSTRAP,
                str(layer.resolve()),
                str((functions_dir / function).resolve()),
                str(event_path),
                f"rehearsal-{function}",
                str(out_path),
            ],
            env=env,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        seconds = time.monotonic() - started
        logs = done.stdout + done.stderr
        if done.returncode != 0 or not out_path.exists():
            raise RehearsalError(f"{function} failed (exit {done.returncode}):\n{logs[-4000:]}")
        answer = json.loads(out_path.read_text(encoding="utf-8"))
    return Invocation(result=answer["result"], foreign=answer["foreign"], seconds=seconds, logs=logs)


class RehearsalError(RuntimeError):
    """A function did not start or did not answer as it does in production."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def local_parts(data_dir: Path) -> Iterator[tuple[dict[str, str], Any, Any]]:
    """PostgreSQL, SQS, Telegram and KIE on loopback; yields (environment, sqs client + url, emulator)."""
    import boto3  # the dev process's own parts, never the function's
    from moto.server import ThreadedMotoServer

    from infra.local.kie import FakeKieServer
    from infra.local.postgres import ensure_database, start_embedded
    from infra.local.sqs import create_fifo_queues
    from infra.local.telegram import EmulatorServer

    closers: list[Callable[[], Any]] = []
    try:
        postgres = start_embedded(data_dir / "pg")
        closers.append(postgres.cleanup)
        database_url = asyncio.run(ensure_database(postgres.get_uri(), "rehearsal", recreate=True))
        port = _free_port()
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto.start()
        closers.append(moto.stop)
        endpoint = f"http://127.0.0.1:{port}"
        sqs = boto3.client(
            "sqs",
            region_name="eu-central-1",
            endpoint_url=endpoint,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # moto accepts anything
        )
        queue_url, _dlq = create_fifo_queues(sqs)
        telegram = EmulatorServer(FAKE_SECRETS["TELEGRAM_BOT_TOKEN"])
        telegram.start()
        closers.append(telegram.stop)
        kie = FakeKieServer(FAKE_SECRETS["KIE_API_KEY"], waiting_sec=0.05, generating_sec=0.1)
        kie.start()
        closers.append(kie.stop)
        env = {
            **FAKE_SECRETS,
            "PATH": "/usr/bin:/bin",
            "HOME": str(data_dir),
            "DATABASE_URL": database_url,
            "DB_POOL_MAX_SIZE": "2",
            "UPDATES_QUEUE_URL": queue_url,
            "AWS_ENDPOINT_URL_SQS": endpoint,
            "AWS_REGION": "eu-central-1",
            "AWS_DEFAULT_REGION": "eu-central-1",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "TELEGRAM_API_BASE": telegram.url,
            "KIE_API_BASE": kie.url,
            "KIE_UPLOAD_BASE": kie.url,
            "PUBLIC_BASE_URL": "https://rehearsal.invalid",
            "GIT_SHA": GIT_SHA,
            "POWERTOOLS_SERVICE_NAME": "creativebot",
            "POWERTOOLS_METRICS_NAMESPACE": "CreativeBot/rehearsal",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
        yield env, (sqs, queue_url), telegram
    finally:
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                close()


def _event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text(encoding="utf-8"))
    return loaded


def _version_event() -> dict[str, Any]:
    """The webhook's sample event turned into GET /version."""
    event = _event("http_api_webhook_start.json")
    event.update(routeKey="GET /version", rawPath="/version", body=None)
    event["requestContext"].update(routeKey="GET /version")
    event["requestContext"]["http"].update(method="GET", path="/version")
    return event


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise RehearsalError(message)


def rehearse(layer: Path, data_dir: Path) -> list[str]:
    """Every function from the layer alone; returns one line per invocation."""
    lines: list[str] = []
    with local_parts(data_dir) as (env, (sqs, queue_url), telegram):
        telegram.emulator.user(USER)

        def run(function: str, event: dict[str, Any], label: str) -> Any:
            done = invoke(layer, function, event, env)
            _expect(not done.foreign, f"{label} imported modules from outside the layer: {done.foreign}")
            lines.append(f"{label:<28} {done.seconds:5.2f} s (a fresh process: imports and one invocation)")
            return done.result

        migrated = run("cron", {"task": "migrate"}, "cron migrate")
        _expect(
            migrated.get("status") == "ok" and migrated.get("applied"), f"cron migrate answered {migrated}"
        )
        webhook = run("webhook", _event("http_api_webhook_start.json"), "webhook POST /telegram/webhook")
        _expect(webhook.get("statusCode") == 200, f"webhook answered {webhook}")
        queued = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        _expect(len(queued) == 1, f"the webhook queued {len(queued)} messages, not 1")
        version = run("webhook", _version_event(), "webhook GET /version")
        _expect(json.loads(version["body"]).get("git_sha") == GIT_SHA, f"GET /version answered {version}")
        worker = run("worker", _event("sqs_fifo_update_batch.json"), "worker SQS batch")
        _expect(worker == {"batchItemFailures": []}, f"worker answered {worker}")
        replies = [c for c in telegram.emulator.calls_of("sendMessage") if c.ok]
        _expect(
            any(int(c.params["chat_id"]) == USER for c in replies), "the worker sent no reply to the chat"
        )
        callback = run("kie_callback", _event("http_api_kie_callback.json"), "kie_callback POST")
        # The token is valid (signed with the fake secret), so the call reaches the job lookup: no job 1.
        _expect(callback.get("statusCode") == 404, f"kie_callback answered {callback}")
        maintenance = run("cron", _event("scheduler_input.json"), "cron maintenance")
        _expect(maintenance.get("status") == "ok", f"cron maintenance answered {maintenance}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every function from a built layer alone.")
    parser.add_argument("layer", type=Path, help="the layer's python/ folder")
    parser.add_argument("--size-only", action="store_true", help="only measure the layer")
    parser.add_argument(
        "--cache-tag",
        default=sys.implementation.cache_tag,
        help="the Python the layer is for (default: this one, as make rehearse builds it)",
    )
    args = parser.parse_args(argv)
    layer: Path = args.layer
    if not (layer / "creativebot" / "__init__.py").is_file():
        sys.stderr.write(f"{layer} is not a built layer (no creativebot/ inside)\n")
        return 2
    size = measure(layer, args.cache_tag)
    sys.stdout.write(size.describe() + "\n")
    if size.foreign_pyc:
        sys.stderr.write(f"the layer carries .pyc files of another Python: {size.foreign_pyc[:3]}\n")
        return 1
    if size.unzipped > LAMBDA_LAYER_LIMIT:
        sys.stderr.write("the layer is over Lambda's 250 MB limit\n")
        return 1
    if args.size_only:
        return 0
    data_dir = Path(os.environ.get("LOCAL_DATA_DIR", ".local")) / "rehearsal"
    try:
        lines = rehearse(layer, data_dir)
    except RehearsalError as exc:
        sys.stderr.write(f"rehearsal failed: {exc}\n")
        return 1
    sys.stdout.write("\n".join([*lines, "rehearsal passed: every function ran from the layer alone"]) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
