"""Worker: SQS FIFO batches of Telegram updates and deliveries, processed in order per chat."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext

from creativebot import snapstart
from creativebot.observability import configure_logging, get_tracer, logger, metrics
from creativebot.worker import handle_record

configure_logging()
snapstart.register(snapstart.WORKER_MODULES)
# After a failure only the rest of that chat's records are returned to the queue; other chats go on.
processor = SqsFifoPartialProcessor(skip_group_on_error=True)
tracer = get_tracer()


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=handle_record, processor=processor, context=context
    )
