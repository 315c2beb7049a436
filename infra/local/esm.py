"""What Lambda's SQS event source mapping does for the worker, on one machine.

Receive a batch (all attributes), shape it as the Lambda SQS event, invoke the handler, then delete
only the records it did not report in ``batchItemFailures``. Failed records stay in flight until their
visibility timeout runs out, exactly as on AWS; a handler that raises fails the whole batch.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from creativebot.faults import SimulatedCrash
from infra.local.lambda_events import sqs_event

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
log = logging.getLogger("creativebot.local.esm")


@dataclass
class LocalContext:
    """The LambdaContext fields the handlers and Powertools read."""

    function_name: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/local"
    log_stream_name: str = "local"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:local:000000000000:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


@dataclass
class EventSourceMapping:
    client: Any
    queue_url: str
    handler: Handler
    region: str
    function_name: str = "worker"
    batch_size: int = 10
    _queue_arn: str = ""

    @property
    def queue_arn(self) -> str:
        if not self._queue_arn:
            attributes = self.client.get_queue_attributes(
                QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
            )
            self._queue_arn = attributes["Attributes"]["QueueArn"]
        return self._queue_arn

    def poll_once(self, wait_seconds: int = 0) -> dict[str, Any] | None:
        """One receive-invoke-delete round; None when the queue had nothing visible."""
        messages = self.client.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            ReceiveRequestAttemptId=uuid.uuid4().hex,
        ).get("Messages", [])
        if not messages:
            return None
        event = sqs_event(messages, self.queue_arn, self.region)
        try:
            result = self.handler(event, LocalContext(self.function_name))
        except (Exception, SimulatedCrash):  # a crashed invocation: Lambda returns the whole batch too
            log.exception(
                "the %s handler failed the whole batch; it returns after the visibility timeout",
                self.function_name,
            )
            return {"batchItemFailures": [{"itemIdentifier": m["MessageId"]} for m in messages]}
        failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.client.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
            )
        return result
