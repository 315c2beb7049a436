"""Real-shaped Lambda events, for the local stack and the tests: HTTP API v2, SQS FIFO, Scheduler."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode


def http_api_event(
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """An API Gateway HTTP API (payload format 2.0) request event."""
    raw = body.encode() if isinstance(body, str) else (body or b"")
    is_text = True
    try:
        text_body = raw.decode()
    except UnicodeDecodeError:
        is_text = False
        text_body = base64.b64encode(raw).decode()
    now = datetime.now(UTC)
    all_headers = {"host": "local.execute-api.localhost", "content-length": str(len(raw))}
    all_headers.update({name.lower(): value for name, value in (headers or {}).items()})
    route = f"{method} {path}"
    return {
        "version": "2.0",
        "routeKey": route,
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        **({"queryStringParameters": dict(query)} if query else {}),
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local.execute-api.localhost",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": all_headers.get("user-agent", ""),
            },
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": route,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "body": text_body if raw else None,
        "isBase64Encoded": not is_text,
    }


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "stringValue": value.get("StringValue"),
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": value.get("DataType", "String"),
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source builds from ReceiveMessage results (attributes All)."""
    records = []
    for message in messages:
        attributes = message.get("Attributes", {})
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": {
                    "ApproximateReceiveCount": attributes.get("ApproximateReceiveCount", "1"),
                    "SentTimestamp": attributes.get("SentTimestamp", str(int(time.time() * 1000))),
                    "SequenceNumber": attributes.get("SequenceNumber", "0"),
                    "MessageGroupId": attributes.get("MessageGroupId", ""),
                    "SenderId": attributes.get("SenderId", "AIDALOCAL"),
                    "MessageDeduplicationId": attributes.get("MessageDeduplicationId", ""),
                    "ApproximateFirstReceiveTimestamp": attributes.get(
                        "ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))
                    ),
                },
                "messageAttributes": {
                    name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
                },
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(message["Body"].encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduler_event(task: str = "maintenance", scheduled: datetime | None = None) -> dict[str, Any]:
    """The Input that template.yaml's EventBridge Scheduler schedule sends to cron."""
    moment = scheduled or datetime.now(UTC)
    return {
        "task": task,
        "scheduled_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "execution_id": str(uuid.uuid4()),
    }
