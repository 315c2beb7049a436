"""The updates queue as template.yaml declares it, on moto (local stack and tests)."""

from __future__ import annotations

import json
from typing import Any


def create_fifo_queues(
    client: Any, *, visibility_sec: int = 360, max_receive_count: int = 5
) -> tuple[str, str]:
    """updates.fifo with a FIFO dead-letter queue; returns (queue url, dead-letter queue url)."""
    dlq_url: str = client.create_queue(QueueName="updates-dlq.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    dlq_arn = client.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url: str = client.create_queue(
        QueueName="updates.fifo",
        Attributes={
            "FifoQueue": "true",
            "VisibilityTimeout": str(visibility_sec),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    return url, dlq_url
