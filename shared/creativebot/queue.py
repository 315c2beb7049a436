"""The updates FIFO queue: what goes in, under which group and deduplication id.

Message kinds (the ``kind`` attribute) and their groups:
- ``telegram_update``: body = the update JSON exactly as Telegram sent it; group = chat id (user id when
  the update has no chat); deduplication id = update_id.
- ``deliver``: body = ``{"job_id": N}``; group = the job's chat, so a result never overtakes the user's
  own messages; deduplication id = ``deliver-<job_id>``.
- ``notice``: body = ``{"chat_id": N, "text": "…", "silent": false}``, a message written by a function
  that has no Bot (cron, the callback) for the worker to send; group = the chat; deduplication id =
  the caller's key for that notice (one notice per key within SQS's five minutes, and callers key by
  what they tell, so a repeat is harmless).
- ``broadcast``: body = ``{"broadcast_id": N, "gen": G, "slice": K}``, one slice of an operator's broadcast;
  group = ``broadcast-<id>``, so one worker at a time sends it; deduplication id = ``broadcast-<id>-<G>-<K>``.
- ``edit``: body = ``{"chat_id": N, "message_id": M, "text": "…", "keyboard": [[{"text", "callback_data"}]] | null,
  "job_id": J | null}``, an edit of a message the bot sent, written by a function that has no Bot (cron's
  progress of a long generation); group = the chat, so it stays in order with the chat's deliveries and
  presses; deduplication id = ``edit-`` + the caller's key. With ``job_id`` the message is that job's status:
  the worker drops the edit once the job has finished, and its keyboard (the cancel button) once the job has
  been offered to KIE. An edit Telegram refuses (deleted, not modified) is dropped, never retried.

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
KIND_NOTICE = "notice"
KIND_BROADCAST = "broadcast"
KIND_EDIT = "edit"
KINDS = (KIND_TELEGRAM_UPDATE, KIND_DELIVER, KIND_NOTICE, KIND_BROADCAST, KIND_EDIT)

# Errors that mean "SQS did not take the message": callers answer 503 or fail the record.
QUEUE_ERRORS: tuple[type[Exception], ...] = (BotoCoreError, ClientError)


@lru_cache(maxsize=4)
def sqs_client(region: str) -> SQSClient:
    """One client per container; boto3 honours AWS_ENDPOINT_URL_SQS for a local SQS."""
    # Short timeouts and one retry: two attempts of 1 + 3 s fit the webhook's 10 s, and a 503 makes
    # Telegram retry.
    config = Config(connect_timeout=1, read_timeout=3, retries={"total_max_attempts": 2, "mode": "standard"})
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


def send_notice(
    settings: QueueSettings, *, chat_id: int, text: str, key: str, cid: str, silent: bool = False
) -> str:
    """A message (HTML, already in the reader's language) for the worker to send to ``chat_id``."""
    return send(
        settings,
        kind=KIND_NOTICE,
        body=json.dumps({"chat_id": chat_id, "text": text, "silent": silent}, ensure_ascii=False),
        group_id=str(chat_id),
        deduplication_id=f"notice-{key}"[:128],
        cid=cid,
    )


def send_edit(
    settings: QueueSettings,
    *,
    chat_id: int,
    message_id: int,
    text: str,
    key: str,
    cid: str,
    keyboard: list[list[dict[str, str]]] | None = None,
    job_id: int | None = None,
) -> str:
    """An edit (HTML, already in the reader's language) of message ``message_id`` for the worker to make;
    ``keyboard``: rows of ``{"text", "callback_data"}`` buttons (None: no buttons)."""
    body = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": text,
        "keyboard": keyboard,
        "job_id": job_id,
    }
    return send(
        settings,
        kind=KIND_EDIT,
        body=json.dumps(body, ensure_ascii=False),
        group_id=str(chat_id),
        deduplication_id=f"edit-{key}"[:128],
        cid=cid,
    )


def send_broadcast_slice(
    settings: QueueSettings, *, broadcast_id: int, gen: int, slice_no: int, cid: str
) -> str:
    """Slice ``slice_no`` of run ``gen`` of a broadcast (see creativebot.admin.broadcasts)."""
    return send(
        settings,
        kind=KIND_BROADCAST,
        body=json.dumps({"broadcast_id": broadcast_id, "gen": gen, "slice": slice_no}),
        group_id=f"broadcast-{broadcast_id}",
        deduplication_id=f"broadcast-{broadcast_id}-{gen}-{slice_no}",
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
