"""The Lambda layer: built from a hashed lock file for python3.12/arm64, and rehearsed from itself alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import FAKE_ENV
from tests.infra import rehearse

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT / "shared"


def _dry_run(*variables: str) -> str:
    """The commands `make build-SharedLayer` would run, without running them."""
    done = subprocess.run(  # noqa: S603 - make with fixed arguments
        [  # noqa: S607 - make from PATH, as a developer runs it
            "make",
            "-n",
            "-C",
            str(SHARED),
            "build-SharedLayer",
            "ARTIFACTS_DIR=/tmp/layer-dry-run",
            *variables,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _pip_line(commands: str) -> str:
    joined = commands.replace("\\\n", " ")
    [line] = [line for line in joined.splitlines() if " -m pip install " in line]
    return line


def _pins() -> dict[str, tuple[str, int]]:
    """Lock file entries: name -> (version, number of hashes)."""
    text = (SHARED / "requirements.lock").read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)==(\S+)\s*(.*)", line)
        if match:
            name, version, rest = match.groups()
            pins[canonicalize_name(name)] = (version, rest.count("--hash=sha256:"))
    return pins


def test_the_lambda_layer_installs_the_lock_for_python312_on_arm64() -> None:
    pip = _pip_line(_dry_run())
    assert pip.startswith("python3 -m pip install ")  # not `python`: stock Debian and macOS lack it
    assert "-r requirements.lock" in pip
    for flag in ("--require-hashes", "--no-compile", "--no-deps", "--only-binary=:all:"):
        assert flag in pip, flag
    assert "--python-version 3.12" in pip and "--implementation cp" in pip
    # manylinux2014 wheels and the newer ones (asyncpg ships manylinux_2_28 only), up to Amazon Linux 2023's
    for platform in ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64"):
        assert f"--platform {platform}" in pip, platform
    assert "manylinux_2_35" not in pip


def test_the_layer_build_takes_the_interpreter_it_is_given() -> None:
    pip = _pip_line(_dry_run(f"PYTHON={sys.executable}"))
    assert pip.startswith(f"{sys.executable} -m pip install ")


def test_a_host_build_targets_this_machine() -> None:
    commands = _dry_run("LAYER_TARGET=host", f"PYTHON={sys.executable}")
    assert "--platform" not in _pip_line(commands)
    # the host's own interpreter byte-compiles, and only its cache tag may remain
    assert "byte-compiling" in commands or "compileall" in commands
    assert f"! -name '*.{sys.implementation.cache_tag}.pyc'" in commands


def test_a_lambda_build_keeps_only_python312_bytecode() -> None:
    commands = _dry_run()
    assert 'find "/tmp/layer-dry-run/python" -name __pycache__' in commands
    assert "! -name '*.cpython-312.pyc'" in commands


def test_the_lock_pins_every_requirement_within_its_range_with_hashes() -> None:
    pins = _pins()
    requirements = [
        Requirement(line)
        for line in (SHARED / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in requirements.lock (run make lock)"
        version, _hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version}"
    assert all(hashes >= 1 for _version, hashes in pins.values())
    # the whole tree is pinned, not only the top level (pip --require-hashes insists)
    assert {"aiohttp", "pydantic-core", "botocore", "yarl"} <= set(pins)


# --- the rehearsal ---------------------------------------------------------------------------------


def test_the_rehearsal_uses_the_test_suites_fake_values() -> None:
    # infra/events/ are signed with these; the two lists must not drift apart
    for name, value in rehearse.FAKE_SECRETS.items():
        assert FAKE_ENV[name] == value, name


def _function(tmp_path: Path, body: str) -> Path:
    functions = tmp_path / "functions"
    (functions / "probe").mkdir(parents=True)
    (functions / "probe" / "app.py").write_text(body, encoding="utf-8")
    return functions


def _layer(tmp_path: Path) -> Path:
    layer = tmp_path / "layer"
    (layer / "creativebot").mkdir(parents=True)
    (layer / "creativebot" / "__init__.py").write_text("", encoding="utf-8")
    (layer / "helper.py").write_text("ANSWER = 42\n", encoding="utf-8")
    return layer


def test_a_function_runs_from_the_layer_and_its_own_folder(tmp_path: Path) -> None:
    functions = _function(
        tmp_path,
        "import json, helper\ndef handler(event, context):\n"
        "    return {'answer': helper.ANSWER, 'event': event, 'name': context.function_name}\n",
    )
    done = rehearse.invoke(_layer(tmp_path), "probe", {"task": "x"}, {}, functions_dir=functions)
    assert done.result == {"answer": 42, "event": {"task": "x"}, "name": "rehearsal-probe"}
    assert done.foreign == []
    assert not list(tmp_path.rglob("*.pyc"))  # nothing written back into the artifact


def test_a_function_cannot_import_the_dev_environment(tmp_path: Path) -> None:
    # pytest, yaml and moto are installed in this .venv, but not in the layer
    functions = _function(tmp_path, "import yaml\ndef handler(event, context):\n    return {}\n")
    with pytest.raises(rehearse.RehearsalError, match="ModuleNotFoundError: No module named 'yaml'"):
        rehearse.invoke(_layer(tmp_path), "probe", {}, {}, functions_dir=functions)


def test_a_module_smuggled_in_from_elsewhere_is_reported(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "smuggled.py").write_text("VALUE = 1\n", encoding="utf-8")
    functions = _function(
        tmp_path,
        f"import sys\nsys.path.append({str(elsewhere)!r})\nimport smuggled\n"
        "def handler(event, context):\n    return {'value': smuggled.VALUE}\n",
    )
    done = rehearse.invoke(_layer(tmp_path), "probe", {}, {}, functions_dir=functions)
    assert done.foreign == ["smuggled"]


def test_the_size_check_refuses_bytecode_of_another_python(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = _layer(tmp_path)
    cache = layer / "creativebot" / "__pycache__"
    cache.mkdir()
    (cache / "__init__.cpython-312.pyc").write_bytes(b"\x00" * 16)
    size = rehearse.measure(layer, "cpython-312")
    assert size.compiled == 1 and size.foreign_pyc == []
    assert size.files == 3 and size.zipped > 0
    assert rehearse.main(["--size-only", "--cache-tag", "cpython-312", str(layer)]) == 0
    (cache / "__init__.cpython-311.pyc").write_bytes(b"\x00" * 16)
    assert rehearse.main(["--size-only", "--cache-tag", "cpython-312", str(layer)]) == 1
    out = capsys.readouterr()
    assert "MB unzipped" in out.out
    assert "cpython-311" in out.err


def test_a_folder_that_is_not_a_layer_is_refused(tmp_path: Path) -> None:
    assert rehearse.main(["--size-only", str(tmp_path)]) == 2


def test_the_version_event_is_the_webhook_event_as_a_get() -> None:
    event = rehearse._version_event()
    assert event["rawPath"] == "/version" and event["requestContext"]["http"]["method"] == "GET"
    assert json.loads(json.dumps(event))["routeKey"] == "GET /version"
