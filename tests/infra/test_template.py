"""template.yaml: cfn-lint clean, and the promises the code relies on are declared."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from cfnlint.api import lint_file

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, …) as plain values."""


def _tag(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_CfnLoader.add_multi_constructor("!", _tag)


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    return loaded


def test_cfn_lint_passes() -> None:
    # When: cfn-lint (with its SAM transform) reads the template
    matches = lint_file(TEMPLATE)
    # Then
    assert [str(match) for match in matches] == []


def test_queues_and_functions_keep_their_promises() -> None:
    resources = _template()["Resources"]
    queue = resources["UpdatesQueue"]["Properties"]
    dlq = resources["UpdatesDeadLetterQueue"]["Properties"]
    worker = resources["WorkerFunction"]["Properties"]
    # FIFO queue with a FIFO dead-letter queue
    assert queue["FifoQueue"] is True and dlq["FifoQueue"] is True
    assert queue["QueueName"] == "updates.fifo"
    assert int(queue["RedrivePolicy"]["maxReceiveCount"]) >= 5
    # visibility timeout at least 6x the worker's timeout
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    # the worker reports partial batch failures
    assert worker["Events"]["Updates"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # cron every five minutes, the four functions on the layer
    cron = resources["CronFunction"]["Properties"]["Events"]["Every5Minutes"]["Properties"]
    assert cron["ScheduleExpression"] == "rate(5 minutes)"
    for name in ("WebhookFunction", "KieCallbackFunction", "WorkerFunction", "CronFunction"):
        assert resources[name]["Properties"]["Handler"] == "app.handler"
        code = ROOT / resources[name]["Properties"]["CodeUri"] / "app.py"
        assert code.is_file(), code


def test_the_layer_ships_the_package() -> None:
    layer = _template()["Resources"]["SharedLayer"]
    assert layer["Properties"]["ContentUri"] == "shared/"
    makefile = (ROOT / "shared" / "Makefile").read_text(encoding="utf-8")
    assert "build-SharedLayer:" in makefile
    assert "-r requirements.txt" in makefile
    assert "cp -R creativebot" in makefile
