"""Bad input at the command line: exit status 2, a message naming the problem, no traceback,
and nothing written. Fuzzed scenario files either run or fail that way."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from simulator.cli import app

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "data" / "broken"
EXAMPLES = sorted((ROOT / "scenarios").glob("*.yaml"))
runner = CliRunner()


def _assert_clean_failure(result: Any, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


@pytest.mark.parametrize(
    "path", sorted(p for p in BROKEN.iterdir() if p.suffix != ".csv"), ids=lambda p: p.name
)
@pytest.mark.parametrize("command", ["check", "run"])
def test_every_broken_file_fails_cleanly(path: Path, command: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [command, str(path)] + (["-q", "-o", str(out)] if command == "run" else [])
    result = runner.invoke(app, args)
    _assert_clean_failure(result, path.name)
    assert not out.exists()


def test_unknown_queue_error_names_the_key_path() -> None:
    result = runner.invoke(app, ["check", str(BROKEN / "unknown_queue_in_skills.yaml")])
    _assert_clean_failure(result, "agent_groups[1].skills.cards", "unknown queue 'cards'")


def _mutations(data: Any) -> st.SearchStrategy[Any]:
    """Delete a key, or replace a value with something of the wrong kind, anywhere."""
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk(data, ())
    garbage = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-10, 10),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=2),
        st.just({"x": 1}),
    )
    return st.tuples(st.sampled_from(paths[1:]), st.sampled_from(["delete", "replace"]), garbage)


def _apply(data: Any, mutation: tuple[tuple[Any, ...], str, Any]) -> Any:
    path, action, value = mutation
    mutated = copy.deepcopy(data)
    node = mutated
    for key in path[:-1]:
        node = node[key]
    if action == "delete":
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return mutated


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_fuzzed_examples_run_or_fail_cleanly(example: Path, tmp_path_factory: Any) -> None:
    data = yaml.safe_load(example.read_text())

    @settings(
        max_examples=10,  # x every example scenario: 240 short runs in all
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(_mutations(data))
    def check(mutation: tuple[tuple[Any, ...], str, Any]) -> None:
        folder = tmp_path_factory.mktemp("fuzz")
        path = folder / "mutated.yaml"
        path.write_text(yaml.safe_dump(_apply(data, mutation)))
        result = runner.invoke(app, ["run", str(path), "-r", "1", "-q", "-o", str(folder / "o")])
        assert result.exit_code in (0, 2), result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )

    check()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=200))
def test_garbage_bytes_fail_cleanly(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_bytes(content)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code in (0, 2)
    assert result.exception is None or isinstance(result.exception, SystemExit)
