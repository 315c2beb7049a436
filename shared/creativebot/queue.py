"""The updates FIFO queue: what goes in, under which group and deduplication id.

Message kinds (the ``kind`` attribute) and their groups:
- ``telegram_update``: body = the update JSON exactly as Telegram sent it; group = chat id (user id when
  the update has no chat); deduplication id = update_id.
- ``deliver``: body = ``{"job_id": N}``; group = the job's chat, so a result never overtakes the user's
  own messages; deduplication id = ``deliver-<job_id>``.

This module imports boto3 only (no aiogram, no asyncpg): the webhook function uses it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from creativebot.config import QueueSettings

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

KIND_TELEGRAM_UPDATE = "telegram_update"
KIND_DELIVER = "deliver"
KINDS = (KIND_TELEGRAM_UPDATE, KIND_DELIVER)

# Errors that mean "SQS did not take the message": callers answer 503 or fail the record.
QUEUE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)


@lru_cache(maxsize=4)
def sqs_client(region: str) -> SQSClient:
    """One client per container; boto3 honours AWS_ENDPOINT_URL_SQS for a local SQS."""
    # Short timeouts and few retries: Telegram waits for the webhook's answer, and a 503 makes it retry.
    config = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.client("sqs", region_name=region, config=config)


def send(
    settings: QueueSettings, *, kind: str, body: str, group_id: str, deduplication_id: str, cid: str
) -> str:
    """Put one message on the updates queue; return its SQS message id."""
    response = sqs_client(settings.aws_region).send_message(
        QueueUrl=settings.updates_queue_url,
        MessageBody=body,
        MessageGroupId=group_id,
        MessageDeduplicationId=deduplication_id,
        MessageAttributes={
            "kind": {"DataType": "String", "StringValue": kind},
            "cid": {"DataType": "String", "StringValue": cid},
        },
    )
    return response["MessageId"]


def send_delivery(settings: QueueSettings, *, job_id: int, chat_id: int, cid: str) -> str:
    return send(
        settings,
        kind=KIND_DELIVER,
        body=json.dumps({"job_id": job_id}),
        group_id=str(chat_id),
        deduplication_id=f"deliver-{job_id}",
        cid=cid,
    )


def depth(settings: QueueSettings) -> dict[str, Any]:
    """Visible and in-flight message counts of the updates queue."""
    attributes = sqs_client(settings.aws_region).get_queue_attributes(
        QueueUrl=settings.updates_queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return {
        "visible": int(attributes.get("ApproximateNumberOfMessages", 0)),
        "in_flight": int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
    }
