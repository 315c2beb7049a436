"""Helpers the tests share: AWS-shaped events, a Lambda context, the FIFO queue pair."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).parent / "events"
REGION = "eu-central-1"


@dataclass
class Queues:
    client: Any
    url: str
    dlq_url: str

    def receive_all(self, queue_url: str | None = None) -> list[dict[str, Any]]:
        """Every visible message of the queue, with attributes, leaving them in flight."""
        messages: list[dict[str, Any]] = []
        while True:
            batch = self.client.receive_message(
                QueueUrl=queue_url or self.url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return messages
            messages.extend(batch)

    def delete(self, event: dict[str, Any]) -> None:
        """Delete every record of a Lambda SQS event, as the event source mapping does after success."""
        for record in event["Records"]:
            self.client.delete_message(QueueUrl=self.url, ReceiptHandle=record["receiptHandle"])


@dataclass
class FakeLambdaContext:
    function_name: str = "creativebot-test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:creativebot-test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/creativebot-test"
    log_stream_name: str = "2026/11/28/[$LATEST]test"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


def load_event(name: str) -> dict[str, Any]:
    """A sample event from tests/events/ (the shapes AWS delivers)."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
    return event


WEBHOOK_SECRET = "test-webhook-secret"  # FAKE_ENV's TELEGRAM_WEBHOOK_SECRET


def message_update(update_id: int, user_id: int, text: str, *, language_code: str = "ru") -> dict[str, Any]:
    """A private-chat text message update as Telegram sends it (commands carry a bot_command entity)."""
    sender = {"id": user_id, "is_bot": False, "first_name": "Анна", "language_code": language_code}
    message: dict[str, Any] = {
        "message_id": update_id % 100_000,
        "date": 1795867200,
        "chat": {"id": user_id, "type": "private", "first_name": "Анна"},
        "from": sender,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split(maxsplit=1)[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


def webhook_event(
    update: dict[str, Any] | bytes | str, *, secret: str | None = WEBHOOK_SECRET
) -> dict[str, Any]:
    from infra.local.lambda_events import http_api_event

    body = update if isinstance(update, (bytes, str)) else json.dumps(update, ensure_ascii=False)
    headers = {"content-type": "application/json"}
    if secret is not None:
        headers["x-telegram-bot-api-secret-token"] = secret
    return http_api_event("POST", "/telegram/webhook", body=body, headers=headers)


def queue_event(queues: Queues) -> dict[str, Any]:
    """Receive everything visible on the updates queue and shape it as Lambda's SQS event."""
    from infra.local.lambda_events import sqs_event

    arn = queues.client.get_queue_attributes(QueueUrl=queues.url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return sqs_event(queues.receive_all(), arn, REGION)
