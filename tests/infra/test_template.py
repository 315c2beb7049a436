"""template.yaml and samconfig.toml: lint-clean, and every promise an operator relies on is declared.

Alarms reach someone (a topic CloudWatch may publish to, ALARM and OK), every function is watched, every
log group keeps a retention, every named resource carries the Stage, the first deploy needs no URL, and
the database connection budget holds for the defaults and for every stage in samconfig.toml.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint_file

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"

FUNCTIONS = ("WebhookFunction", "KieCallbackFunction", "WorkerFunction", "CronFunction")
DB_FUNCTIONS = ("KieCallbackFunction", "WorkerFunction", "CronFunction")
OPERATOR_EVENTS = (
    "WALLET_INVARIANT_VIOLATION",
    "PAYMENT_INVARIANT_VIOLATION",
    "KIE_OUT_OF_CREDITS",
    "DELIVERY_GAVE_UP",
    "KIE_SUBMIT_UNCERTAIN",
    "CRON_STEP_FAIL",
)
# The property that names each kind of resource (its physical name).
NAME_PROPERTIES = {
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Serverless::LayerVersion": "LayerName",
    "AWS::Serverless::HttpApi": "Name",
    "AWS::SQS::Queue": "QueueName",
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::SNS::Topic": "TopicName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::RDS::DBProxy": "DBProxyName",
}
# Resources CloudFormation names itself (unique per stack), so two stages never collide on them.
UNNAMED_TYPES = {
    "AWS::KMS::Key",
    "AWS::SNS::TopicPolicy",
    "AWS::SNS::Subscription",
    "AWS::IAM::Role",
    "AWS::RDS::DBProxyTargetGroup",
}


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (!Ref, !GetAtt, …) as {"Ref": …} / {"Fn::…": …}."""


def _tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        assert isinstance(node, yaml.MappingNode)
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        return {"Fn::GetAtt": value.split(".", 1)}
    if suffix == "Condition":
        return {"Condition": value}
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506
    return loaded


def _resources(kind: str | None = None) -> dict[str, dict[str, Any]]:
    resources: dict[str, dict[str, Any]] = _template()["Resources"]
    return {name: r for name, r in resources.items() if kind is None or r["Type"] == kind}


def _props(name: str) -> dict[str, Any]:
    props: dict[str, Any] = _template()["Resources"][name]["Properties"]
    return props


def _defaults() -> dict[str, Any]:
    return {name: p.get("Default") for name, p in _template()["Parameters"].items()}


def _stage_overrides() -> dict[str, dict[str, str]]:
    """Each samconfig.toml stage's parameter_overrides as a dict."""
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    stages: dict[str, dict[str, str]] = {}
    for stage, sections in config.items():
        deploy = sections.get("deploy", {}).get("parameters") if isinstance(sections, dict) else None
        if not deploy:
            continue
        raw = deploy["parameter_overrides"]
        items = raw if isinstance(raw, list) else raw.split()
        stages[stage] = dict(item.split("=", 1) for item in items)
    return stages


def _alarms_on(namespace: Any, metric: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in _resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == namespace and alarm["Properties"]["MetricName"] == metric
    ]


def _dimension(alarm: dict[str, Any], name: str) -> Any:
    return {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}.get(name)


# --- linting ----------------------------------------------------------------------------------------


def test_cfn_lint_passes() -> None:
    # When: cfn-lint (with its SAM transform) reads the template
    matches = lint_file(TEMPLATE)
    # Then
    assert [str(match) for match in matches] == []


def test_serverless_rules_pass() -> None:
    # cfn-lint-serverless (awslabs' serverless rules); the checks the template opts out of say why, inline.
    if importlib.util.find_spec("cfn_lint_serverless") is None:
        pytest.skip("cfn-lint-serverless is not installed (it belongs in the dev extra)")
    matches = lint_file(TEMPLATE, ManualArgs(append_rules=["cfn_lint_serverless.rules"]))
    assert [str(match) for match in matches] == []


# --- functions, queues, layer -------------------------------------------------------------------------


def test_queues_and_functions_keep_their_promises() -> None:
    queue = _props("UpdatesQueue")
    dlq = _props("UpdatesDeadLetterQueue")
    worker = _props("WorkerFunction")
    # FIFO queue with a FIFO dead-letter queue, named per stage
    assert queue["FifoQueue"] is True and dlq["FifoQueue"] is True
    assert queue["QueueName"] == {"Fn::Sub": "${Stage}-creativebot-updates.fifo"}
    assert int(queue["RedrivePolicy"]["maxReceiveCount"]) >= 5
    # visibility timeout at least 6x the worker's timeout
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    # the worker reports partial batch failures
    assert worker["Events"]["Updates"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # cron every five minutes, the four functions on the layer
    cron = _props("CronFunction")["Events"]["Every5Minutes"]["Properties"]
    assert cron["ScheduleExpression"] == "rate(5 minutes)"
    for name in FUNCTIONS:
        assert _props(name)["Handler"] == "app.handler"
        code = ROOT / _props(name)["CodeUri"] / "app.py"
        assert code.is_file(), code


def test_timeouts_match_what_the_code_needs() -> None:
    timeouts = {name: _props(name)["Timeout"] for name in FUNCTIONS}
    assert timeouts == {
        "WebhookFunction": 10,
        "KieCallbackFunction": 30,  # above KIE_TIMEOUT_SEC (20 s) plus the settle and the send
        "WorkerFunction": 60,
        "CronFunction": 120,
    }
    assert _props("UpdatesQueue")["VisibilityTimeout"] == 360


def test_the_worker_and_the_callback_use_snapstart_through_an_alias() -> None:
    for name in ("WorkerFunction", "KieCallbackFunction"):
        props = _props(name)
        assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}, name
        assert props["AutoPublishAlias"] == "live", name
        # a new layer or GIT_SHA must publish a new version too, or the alias keeps the old code
        assert props["AutoPublishAliasAllProperties"] is True, name


def test_git_sha_reaches_every_function() -> None:
    env = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert env["GIT_SHA"] == {"Ref": "GitSha"}
    assert "STAGE" not in env  # names only; the code never reads it


# --- alarms ----------------------------------------------------------------------------------------


def test_every_function_has_an_errors_and_a_throttles_alarm() -> None:
    for metric in ("Errors", "Throttles"):
        watched = {_dimension(alarm, "FunctionName")["Ref"] for alarm in _alarms_on("AWS/Lambda", metric)}
        assert watched == set(FUNCTIONS), metric


def test_api_5xx_and_enqueue_failures_alarm() -> None:
    [api] = _alarms_on("AWS/ApiGateway", "5xx")
    assert _dimension(api, "ApiId") == {"Ref": "HttpApi"}
    assert api["ComparisonOperator"] == "GreaterThanThreshold" and api["Threshold"] == 0
    [enqueue] = _alarms_on({"Fn::Sub": "CreativeBot/${Stage}"}, "EnqueueFailed")
    assert _dimension(enqueue, "service") == "creativebot"


def test_each_operator_event_has_a_metric_filter_per_db_function_and_an_alarm() -> None:
    filters = _resources("AWS::Logs::MetricFilter").values()
    log_group_of = {name: _props(name)["LoggingConfig"]["LogGroup"] for name in DB_FUNCTIONS}
    for event in OPERATOR_EVENTS:
        matching = [f["Properties"] for f in filters if f'"{event}"' in f["Properties"]["FilterPattern"]]
        assert {f["FilterPattern"] for f in matching} == {f'{{ $.event = "{event}" }}'}, event
        assert sorted(f["LogGroupName"]["Ref"] for f in matching) == sorted(
            group["Ref"] for group in log_group_of.values()
        ), event
        for f in matching:
            [transform] = f["MetricTransformations"]
            assert transform["MetricName"] == event
            assert transform["MetricNamespace"] == {"Fn::Sub": "CreativeBot/${Stage}"}
        [alarm] = _alarms_on({"Fn::Sub": "CreativeBot/${Stage}"}, event)
        assert alarm["Statistic"] == "Sum" and alarm["Threshold"] == 0, event
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold", event


def test_cron_that_stops_succeeding_alarms_within_20_minutes() -> None:
    [alarm] = _alarms_on({"Fn::Sub": "CreativeBot/${Stage}"}, "CronRunSucceeded")
    assert _dimension(alarm, "service") == "creativebot"
    assert alarm["TreatMissingData"] == "breaching"  # no run at all is the failure to catch
    assert alarm["ComparisonOperator"] == "LessThanThreshold" and alarm["Threshold"] == 1
    assert alarm["Period"] * alarm["EvaluationPeriods"] == 20 * 60
    assert alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    # the metric is in the namespace the functions are told to emit into
    env = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == alarm["Namespace"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "creativebot"


def test_every_alarm_notifies_on_alarm_and_on_ok() -> None:
    alarms = _resources("AWS::CloudWatch::Alarm")
    assert len(alarms) >= 19
    for name, alarm in alarms.items():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], name
        assert alarm["Properties"]["OKActions"] == [{"Ref": "AlarmTopic"}], name


def test_cloudwatch_can_publish_to_the_alarm_topic() -> None:
    topic = _props("AlarmTopic")
    # alias/aws/sns (the AWS-managed key) cannot be used by CloudWatch: alarms would be dropped
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    statements = _props("AlarmTopicKey")["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert len(cloudwatch) == 1
    assert cloudwatch[0]["Effect"] == "Allow"
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert _props("AlarmTopicKey")["EnableKeyRotation"] is True
    # the topic's policy lets CloudWatch publish for this stack's alarms
    policy = _props("AlarmTopicPolicy")
    assert policy["Topics"] == [{"Ref": "AlarmTopic"}]
    [publish] = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    ]
    assert publish["Action"] == "sns:Publish"
    source = publish["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source.endswith(":alarm:${Stage}-creativebot-*")
    for alarm in _resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmName"]["Fn::Sub"].startswith("${Stage}-creativebot-")


def test_the_dashboard_shows_every_alarm() -> None:
    body = _props("Dashboard")["DashboardBody"]["Fn::Sub"]
    for name in _resources("AWS::CloudWatch::Alarm"):
        assert f"${{{name}.Arn}}" in body, name


# --- logs and names ------------------------------------------------------------------------------------


def test_every_function_logs_to_its_own_group_named_after_it() -> None:
    groups = _resources("AWS::Logs::LogGroup")
    for name in FUNCTIONS:
        props = _props(name)
        function_name = props["FunctionName"]["Fn::Sub"]
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/{function_name}"}
        assert props["LoggingConfig"]["LogFormat"] == "JSON"


def test_every_log_group_keeps_the_retention_parameter() -> None:
    groups = _resources("AWS::Logs::LogGroup")
    assert len(groups) == len(FUNCTIONS) + 1  # and the API's access log
    for name, group in groups.items():
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
    assert _template()["Parameters"]["LogRetentionDays"]["Type"] == "Number"


def test_every_named_resource_carries_the_stage() -> None:
    resources = _template()["Resources"]
    checked = 0
    for logical_id, resource in resources.items():
        kind = resource["Type"]
        if kind in UNNAMED_TYPES:
            continue
        assert kind in NAME_PROPERTIES, f"{logical_id}: {kind} has no naming rule in this test"
        name = resource["Properties"].get(NAME_PROPERTIES[kind])
        assert isinstance(name, dict) and "Fn::Sub" in name, f"{logical_id} has no Stage-prefixed name"
        last_part = name["Fn::Sub"].rsplit("/", 1)[-1]
        assert last_part.startswith("${Stage}-creativebot"), f"{logical_id}: {name['Fn::Sub']}"
        checked += 1
    # the schedule that SAM creates for cron is named too
    schedule = _props("CronFunction")["Events"]["Every5Minutes"]["Properties"]
    assert schedule["Name"] == {"Fn::Sub": "${Stage}-creativebot-cron"}
    assert checked >= 40


def test_the_stage_parameter_only_allows_name_safe_values() -> None:
    stage = _template()["Parameters"]["Stage"]
    pattern = re.compile(stage["AllowedPattern"])
    assert "Default" not in stage  # a deploy always says which stage it is
    for good in ("staging", "production", "dev2"):
        assert pattern.fullmatch(good)
    for bad in ("", "Prod", "my_stage", "a", "staging-eu", "x" * 17):
        assert not pattern.fullmatch(bad)


# --- one-pass deploy ---------------------------------------------------------------------------------


def test_the_first_deploy_needs_no_url() -> None:
    params = _template()["Parameters"]
    assert params["PublicBaseUrl"]["Default"] == ""
    expected = {
        "Fn::If": [
            "HasPublicBaseUrl",
            {"Ref": "PublicBaseUrl"},
            {"Fn::Sub": "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"},
        ]
    }
    # the worker signs KIE callback URLs with it, cron may too
    for name in ("WorkerFunction", "CronFunction"):
        assert _props(name)["Environment"]["Variables"]["PUBLIC_BASE_URL"] == expected, name
    # the API's own integrations must not depend on the API (that would be a circular dependency)
    for name in ("WebhookFunction", "KieCallbackFunction"):
        assert "Environment" not in _props(name), name


def test_outputs_name_the_webhook_url_and_every_function() -> None:
    outputs = _template()["Outputs"]
    assert outputs["WebhookUrl"]["Value"]["Fn::If"][1] == {"Fn::Sub": "${PublicBaseUrl}/telegram/webhook"}
    assert outputs["WebhookUrl"]["Value"]["Fn::If"][2]["Fn::Sub"].endswith("/telegram/webhook")
    for name in FUNCTIONS:
        assert outputs[f"{name}Name"]["Value"] == {"Ref": name}
    # what make deploy reads after sam deploy
    for key in ("PublicBaseUrl", "AppSecretsId", "CronFunctionName"):
        assert key in outputs


# --- database -------------------------------------------------------------------------------------------


def _budget(values: dict[str, Any]) -> tuple[int, int]:
    """(connections the fleet may hold, connections available to it)."""
    pool = int(values["DbPoolMaxSize"])
    fleet = (
        int(values["WorkerMaxConcurrency"])
        + int(values["CallbackReservedConcurrency"])
        + int(values["CronReservedConcurrency"])
    ) * pool
    return fleet, int(values["DbMaxConnections"]) - int(values["DbConnectionHeadroom"])


def test_every_db_function_is_capped_by_a_budget_parameter() -> None:
    worker = _props("WorkerFunction")["Events"]["Updates"]["Properties"]["ScalingConfig"]
    assert worker["MaximumConcurrency"] == {"Ref": "WorkerMaxConcurrency"}
    assert _props("KieCallbackFunction")["ReservedConcurrentExecutions"] == {
        "Ref": "CallbackReservedConcurrency"
    }
    assert _props("CronFunction")["ReservedConcurrentExecutions"] == {"Ref": "CronReservedConcurrency"}
    env = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DB_POOL_MAX_SIZE"] == {"Ref": "DbPoolMaxSize"}


def test_the_connection_budget_holds_for_the_defaults() -> None:
    fleet, available = _budget(_defaults())
    assert fleet <= available, f"{fleet} connections > {available}"


@pytest.mark.parametrize("stage", ["staging", "production"])
def test_the_connection_budget_holds_for_each_stage(stage: str) -> None:
    overrides = _stage_overrides()[stage]
    values = {**_defaults(), **overrides}
    fleet, available = _budget(values)
    assert fleet <= available, f"{stage}: {fleet} connections > {available}"


def test_a_budget_over_the_limit_is_caught() -> None:
    # The check itself: one more worker than the defaults allow must fail it.
    values = {**_defaults(), "DbMaxConnections": 44, "DbConnectionHeadroom": 10}
    fleet, available = _budget(values)
    assert fleet == 34 and available == 34
    values["WorkerMaxConcurrency"] = 11
    fleet, available = _budget(values)
    assert fleet > available


def test_db_functions_join_the_vpc_and_the_webhook_never_does() -> None:
    for name in DB_FUNCTIONS:
        vpc = _props(name)["VpcConfig"]["Fn::If"]
        assert vpc[0] == "InVpc"
        assert vpc[1] == {
            "SubnetIds": {"Ref": "VpcSubnetIds"},
            "SecurityGroupIds": {"Ref": "VpcSecurityGroupIds"},
        }
        assert vpc[2] == {"Ref": "AWS::NoValue"}
    assert "VpcConfig" not in _props("WebhookFunction")
    assert _defaults()["VpcSubnetIds"] == ""  # external PostgreSQL over TLS is the default mode


def test_the_rds_proxy_is_optional_requires_tls_and_turns_off_the_statement_cache() -> None:
    resources = _template()["Resources"]
    for name in ("RdsProxy", "RdsProxyTargetGroup", "RdsProxyRole"):
        assert resources[name]["Condition"] == "HasRdsProxy"
    assert _props("RdsProxy")["RequireTLS"] is True
    assert _props("RdsProxy")["EngineFamily"] == "POSTGRESQL"
    env = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert env["DB_STATEMENT_CACHE_SIZE"] == {"Fn::If": ["HasRdsProxy", "0", {"Ref": "DbStatementCacheSize"}]}
    assert _defaults()["DbStatementCacheSize"] == 100


# --- samconfig.toml -------------------------------------------------------------------------------


def test_samconfig_deploys_staging_and_production_as_separate_stacks() -> None:
    config = tomllib.loads(SAMCONFIG.read_text(encoding="utf-8"))
    stages = _stage_overrides()
    assert set(stages) == {"staging", "production"}
    names = set()
    for stage, overrides in stages.items():
        deploy = config[stage]["deploy"]["parameters"]
        assert overrides["Stage"] == stage
        assert "GitSha" not in overrides  # make deploy passes the commit
        assert deploy["capabilities"] == "CAPABILITY_IAM"
        names.add(deploy["stack_name"])
        # every override names a parameter the template has
        assert set(overrides) <= set(_template()["Parameters"]), stage
    assert len(names) == 2
    assert config["production"]["deploy"]["parameters"]["confirm_changeset"] is True
