"""Loading scenario files (YAML or TOML) and dumping scenarios back to plain data.

Scenario files are data: YAML goes through a safe loader, TOML through
``tomllib``, and nothing in them is evaluated. Every failure, from a missing
file to a misspelt key, is raised as a :class:`ScenarioError` that names the
file, the key path and what is wrong. Loading has no side effects.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from simulator.scenario.csvfile import BASE_DIR_CONTEXT_KEY
from simulator.scenario.errors import Problem, ScenarioError, allowed_keys
from simulator.scenario.limits import MAX_SCENARIO_BYTES, check_yaml_node, read_limited
from simulator.scenario.models import Scenario

__all__ = ["SUFFIXES", "load_scenario", "scenario_from_dict", "scenario_to_dict"]

SUFFIXES = (".yaml", ".yml", ".toml")
"""File name endings a scenario file may have."""


_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser where PyYAML was built with it (about six times faster), else PyYAML's."""


class _SafeUniqueKeyLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping.

    Plain PyYAML keeps the last of two equal keys silently, which hides a
    duplicated ``call_types:`` block from the planner.
    """


def _construct_mapping(
    loader: _SafeUniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            duplicate = key in seen
        except TypeError:
            duplicate = False  # unhashable: construct_mapping reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        if not isinstance(key, list | dict):
            seen.add(key)
    mapping: dict[Any, Any] = loader.construct_mapping(node, deep=deep)
    return mapping


_SafeUniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)
# YAML 1.1 (PyYAML) reads 1e6 as a string; YAML 1.2 and every planner read it as a number.
_SafeUniqueKeyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _parse_yaml(text: str) -> Any:
    loader: _SafeUniqueKeyLoader | None = None
    try:
        loader = _SafeUniqueKeyLoader(text)
        node = loader.get_single_node()
        if node is None:
            return None
        check_yaml_node(node)  # before building: aliases may expand to billions of values
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = exc.problem or exc.context or "malformed"
        raise ScenarioError([Problem("", f"invalid YAML{where}: {what}")]) from None
    except yaml.YAMLError as exc:
        raise ScenarioError([Problem("", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem("", "invalid YAML: nested too deeply")]) from None
    except ScenarioError:
        raise
    except ValueError as exc:  # e.g. a whole number with more digits than Python converts
        raise ScenarioError([Problem("", f"invalid YAML value: {str(exc)[:200]}")]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _parse_toml(text: str) -> Any:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem("", f"invalid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError([Problem("", "invalid TOML: nested too deeply")]) from None


def _read_text(path: Path) -> str:
    try:
        data = read_limited(path, MAX_SCENARIO_BYTES, "scenario file")
    except FileNotFoundError:
        raise ScenarioError([Problem("", "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a directory, not a scenario file")]) from None
    except OSError as exc:
        message = exc.strerror or str(exc)
        raise ScenarioError([Problem("", f"cannot read the file: {message}")]) from None
    except ValueError as exc:  # too large, or e.g. a NUL byte in the path
        raise ScenarioError([Problem("", str(exc))]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            [Problem("", f"not a UTF-8 text file (undecodable byte at offset {exc.start})")]
        ) from None


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (``.yaml``, ``.yml`` or ``.toml``).

    CSV volume files named in it are read relative to the file's folder.

    Raises
    ------
    ScenarioError
        For any problem, naming the file and, where there is one, the key path.
    """
    path = Path(path)
    source = str(path)
    try:
        if _is_dir(path):
            raise ScenarioError([Problem("", "is a directory, not a scenario file")])
        suffix = path.suffix.lower()
        if suffix not in SUFFIXES:
            raise ScenarioError(
                [
                    Problem(
                        "",
                        f"unsupported file type {path.suffix or '(none)'!r}: "
                        f"a scenario file ends in {', '.join(SUFFIXES)}",
                    )
                ]
            )
        text = _read_text(path)
        data = _parse_toml(text) if suffix == ".toml" else _parse_yaml(text)
        return scenario_from_dict(data, source=source, base_dir=path.parent)
    except ScenarioError as exc:
        exc.source = source
        raise


def scenario_from_dict(
    data: Mapping[str, Any], source: str = "<dict>", base_dir: Path | None = None
) -> Scenario:
    """Validate plain data (as read from a scenario file) into a :class:`Scenario`.

    Parameters
    ----------
    data
        The scenario's keys and values, spelt as in the file.
    source
        Name used in error messages (the file name, or ``"<dict>"``).
    base_dir
        Folder that relative CSV paths are resolved in (default: the current
        working directory).

    Raises
    ------
    ScenarioError
        With every problem found: all structural ones at once, or, when the
        structure is valid, all cross-reference ones at once.
    """
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError(
            [
                Problem(
                    "",
                    f"the top level must be a mapping of keys "
                    f"({', '.join(allowed_keys(Scenario))}), but it is {kind}",
                )
            ],
            source=source,
        )
    context = {BASE_DIR_CONTEXT_KEY: Path(base_dir) if base_dir is not None else Path.cwd()}
    try:
        return Scenario.model_validate(dict(data), context=context)
    except ScenarioError as exc:
        exc.source = source
        raise
    except RecursionError:
        raise ScenarioError([Problem("", "data nested too deeply")], source=source) from None


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """Dump a scenario to plain data in the file's spelling (aliases, no ``None`` values).

    The result is JSON-, YAML- and TOML-friendly, and ``scenario_from_dict``
    of it gives an equal scenario (CSV paths stay relative, so pass the same
    ``base_dir``).
    """
    return scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
