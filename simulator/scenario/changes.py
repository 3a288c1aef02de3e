"""``--set KEY=VALUES``: changing a scenario by key path, and the grids of a sweep.

A key path is spelt as in the scenario file and its error messages:
``agent_groups[0].staffing``, ``routing.policy``, ``call_types[1].handle_time.cv``,
``agent_groups[0].skills.cards``. A list item may also be picked by its ``name``
(``agent_groups[front].staffing``), which survives reordering the file, and a
mapping key that is not an identifier is quoted (``callers.timezones["+2"]``).

Values are one or more comma-separated items, each either a numeric range
``start:stop:step`` (the end included when a step lands on it exactly:
``20:30:2`` is 20, 22, ..., 30; ``0.1:0.5:0.1`` is 0.1, ..., 0.5) or a YAML scalar
(``fcfs``, ``0.5``, ``true``, ``null``, ``{general: 1}``), typed as YAML types it
— except where the scenario holds a string (``calendar.open=08:00,09:00``), whose
items stay strings. Nothing is evaluated.

A path is checked against the scenario before anything runs: an unknown key, an
index past the end of a list or a name no item has is an :class:`OverrideError`
naming the path. In a key with variants (``routing``, ``transfers``, ``announcement``,
a distribution, ...) the parameters of every variant are valid paths. Changing the tag
(``transfers.mode=warm``, ``routing.policy=fcfs``) starts the new variant from its own
defaults: it keeps the keys every variant shares (``routing.overflow``,
``transfers.matrix``), the parameters the scenario wrote out that the new variant also
has, and whatever the same change sets; the old variant's other parameters are
dropped. So a sweep over the tag needs nothing else. The changed data is then
validated by the scenario layer, whose errors name the key path too; either way the
command line exits with status 2.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from simulator.scenario import Scenario, ScenarioError, scenario_from_dict, scenario_to_dict
from simulator.scenario.errors import allowed_keys, unwrap_type
from simulator.scenario.variants import tag_key, union_members

__all__ = [
    "MAX_POINTS",
    "Axis",
    "OverrideError",
    "apply_overrides",
    "check_grid_size",
    "grid_points",
    "parse_axes",
    "parse_path",
    "parse_values",
    "with_changes",
]

MAX_VALUES = 10_000
"""Most values one ``--set`` may expand to: a guard against a mistyped step."""
MAX_POINTS = 10_000
"""Most points a sweep grid may have (the product of its axes' value counts), checked by
counting before any point is built."""

Segment = str | int

_SEGMENT = re.compile(
    r"""\.?(?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | \[\s*(?P<index>-?\d+)\s*\]
      | \[\s*"(?P<dq>[^"]*)"\s*\]
      | \[\s*'(?P<sq>[^']*)'\s*\]
      | \[(?P<bare>[^\[\]"']+)\]""",
    re.VERBOSE,
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


class OverrideError(ValueError):
    """A ``--set`` that cannot be applied: the key path and what is wrong with it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"--set {path}: {message}")
        self.path = path
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.path, self.message))


@dataclass(frozen=True)
class _Name:
    """A list item picked by its ``name`` (``agent_groups[front]``)."""

    name: str


def parse_path(path: str) -> tuple[Segment | _Name, ...]:
    """Split a key path into mapping keys (str), list indices (int) and item names."""
    text = path.strip()
    if not text:
        raise OverrideError(path, "the key path is empty")
    segments: list[Segment | _Name] = []
    position = 0
    while position < len(text):
        match = _SEGMENT.match(text, position)
        if match is None or (position == 0 and text[0] == "."):
            raise OverrideError(path, f"cannot read the key path at {text[position:]!r}")
        if match.group("name") is not None:
            if position and text[position] != ".":
                raise OverrideError(path, f"expected '.' before {match.group('name')!r}")
            segments.append(match.group("name"))
        elif match.group("index") is not None:
            segments.append(int(match.group("index")))
        else:
            quoted = match.group("dq") if match.group("dq") is not None else match.group("sq")
            if quoted is not None:
                segments.append(quoted)
            else:
                segments.append(_Name(match.group("bare").strip()))
        position = match.end()
    if isinstance(segments[0], int | _Name):
        raise OverrideError(path, "a key path starts with a key, e.g. agent_groups[0].staffing")
    return tuple(segments)


def _render(segments: Sequence[Segment]) -> str:
    text = ""
    for segment in segments:
        if isinstance(segment, int):
            text += f"[{segment}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", segment):
            text += f".{segment}" if text else segment
        else:
            text += f"[{json.dumps(segment)}]"
    return text


# ----------------------------------------------------------------------------- values


def _split_items(text: str) -> list[str]:
    """Split on commas outside brackets, braces and quotes."""
    items, depth, quote, current = [], 0, "", ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(current)
            current = ""
            continue
        current += char
    items.append(current)
    return [item.strip() for item in items]


def _number(text: str) -> int | float:
    return int(text) if _INTEGER.match(text) else float(text)


def _range(path: str, item: str) -> list[Any]:
    parts = [p.strip() for p in item.split(":")]
    if not all(_NUMBER.match(p) for p in parts):
        raise OverrideError(
            path, f"bad range {item!r}: expected start:stop:step with numbers, e.g. 20:30:2"
        )
    start, stop, step = (_number(p) for p in parts)
    if step == 0:
        raise OverrideError(path, f"bad range {item!r}: the step must not be 0")
    span = (stop - start) / step
    if span < 0:
        raise OverrideError(
            path, f"bad range {item!r}: it is empty (the step goes away from the end)"
        )
    count = math.floor(span + 1e-9) + 1
    if count > MAX_VALUES:
        raise OverrideError(path, f"bad range {item!r}: {count} values (at most {MAX_VALUES})")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return [start + i * step for i in range(count)]
    return [round(start + i * step, 12) for i in range(count)]


def _scalar(path: str, item: str, keep_string: bool) -> Any:
    if not item:
        raise OverrideError(path, "an empty value (two commas in a row, or nothing after '=')")
    if keep_string:
        if len(item) >= 2 and item[0] == item[-1] and item[0] in "\"'":
            return item[1:-1]
        return item
    try:
        return yaml.safe_load(item)
    except yaml.YAMLError as error:
        raise OverrideError(path, f"cannot read the value {item!r}: {error}") from None


def parse_values(path: str, text: str, current: Any = None) -> list[Any]:
    """The values of ``--set PATH=TEXT``; ``current`` is the scenario's value there, if any.

    Raises
    ------
    OverrideError
        For an empty item, a bad range, or a value given twice.
    """
    keep_string = isinstance(current, str)
    values: list[Any] = []
    for item in _split_items(text):
        if not keep_string and item.count(":") == 2 and not item.startswith(("{", "[")):
            values.extend(_range(path, item))
        else:
            values.append(_scalar(path, item, keep_string))
    seen: set[str] = set()
    for value in values:
        key = json.dumps(value, sort_keys=True, default=str)
        if key in seen:
            raise OverrideError(path, f"the value {value!r} is given twice")
        seen.add(key)
    if len(values) > MAX_VALUES:
        raise OverrideError(path, f"{len(values)} values (at most {MAX_VALUES})")
    return values


# ----------------------------------------------------------------------------- paths


def _model_class(tp: Any) -> type[BaseModel] | None:
    tp = unwrap_type(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _field(model: type[BaseModel], key: str) -> tuple[str, str, Any] | None:
    """(attribute name, key as spelt in the file, annotation) of ``key`` in ``model``."""
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return name, info.alias or name, info.annotation
    return None


def _variants(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models of a tagged union (a key with variants), or ()."""
    return union_members(annotation) if tag_key(annotation) is not None else ()


def _keys_of(models: Sequence[type[BaseModel]]) -> list[str]:
    """The keys any of ``models`` allows, each once, in order."""
    return list(dict.fromkeys(key for model in models for key in allowed_keys(model)))


def _resolve(scenario: Scenario, path: str) -> tuple[Segment, ...]:
    """Check ``path`` against the scenario; return it in the file's spelling with indices.

    Walks the validated scenario object beside the path: a key must be a field of the
    model there (even if the scenario leaves it unset), an index must exist, a name
    must be some item's name. Below a key that holds a free mapping (skills, a
    transfer matrix) any key is accepted; the scenario validation has the last word.
    """
    resolved: list[Segment] = []
    obj: Any = scenario
    model: type[BaseModel] | None = Scenario
    siblings: tuple[type[BaseModel], ...] = ()  # the other variants, in a key with variants
    for segment in parse_path(path):
        here = _render(resolved) or "the scenario"
        if isinstance(obj, list | tuple):
            if isinstance(segment, _Name):
                names = [getattr(item, "name", None) for item in obj]
                if segment.name not in names:
                    known = ", ".join(str(n) for n in names if n is not None) or "none"
                    raise OverrideError(
                        path, f"{here} has no item named {segment.name!r} (names: {known})"
                    )
                segment = names.index(segment.name)
            if not isinstance(segment, int):
                raise OverrideError(path, f"{here} is a list: pick an item with [index] or [name]")
            if not 0 <= segment < len(obj):
                raise OverrideError(
                    path,
                    f"{_render([*resolved, segment])}: index out of range "
                    f"({here} has {len(obj)} item(s), indices 0..{len(obj) - 1})",
                )
            obj = obj[segment]
            model = type(obj) if isinstance(obj, BaseModel) else None
            siblings = ()
            resolved.append(segment)
            continue
        if isinstance(segment, _Name):
            segment = segment.name
        if isinstance(segment, int):
            raise OverrideError(path, f"{here} is not a list, so [{segment}] does not apply")
        if isinstance(obj, Mapping):
            obj = obj.get(segment)
            model = type(obj) if isinstance(obj, BaseModel) else None  # e.g. by_weekday.sat
            siblings = ()
            resolved.append(segment)
            continue
        if model is None and siblings:
            model = siblings[0]  # an unset key with variants: any variant's keys will do
        if model is None:
            if obj is None:  # an unset value of a type we cannot see into
                resolved.append(segment)
                continue
            raise OverrideError(path, f"{here} is a value ({obj!r}), not a section with keys")
        found = _field(model, segment)
        other = next((m for m in siblings if _field(m, segment) is not None), None)
        if found is None and other is not None:
            # A parameter of another variant: valid once the tag names that variant.
            found = _field(other, segment)
            obj = None
        if found is None:
            allowed = _keys_of([model, *siblings])
            hint = difflib.get_close_matches(segment, allowed, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise OverrideError(
                path,
                f"unknown key '{segment}' in {here} (allowed: {', '.join(allowed)}){suggestion}",
            )
        name, spelt, annotation = found
        obj = getattr(obj, name, None) if isinstance(obj, BaseModel) else None
        model = type(obj) if isinstance(obj, BaseModel) else _model_class(annotation)
        siblings = _variants(annotation)
        resolved.append(spelt)
    return tuple(resolved)


def _annotation_at(segments: Sequence[Segment]) -> Any:
    """The scenario model's type at a key path (any variant's key inside a key with
    variants); None when the path leaves the models.
    """
    annotation: Any = Scenario
    for segment in segments:
        tp = unwrap_type(annotation)
        origin = getattr(tp, "__origin__", None)
        if isinstance(segment, int):
            args = getattr(tp, "__args__", ())
            annotation = args[0] if origin in (list, tuple) and args else None
        elif origin is dict:
            annotation = tp.__args__[1]
        else:
            models = _variants(annotation) or ((tp,) if _model_class(tp) else ())
            found = next((f for m in models if (f := _field(m, segment)) is not None), None)
            annotation = found[2] if found is not None else None
        if annotation is None:
            return None
    return annotation


def _object_at(scenario: Scenario, segments: Sequence[Segment]) -> Any:
    """The validated scenario's value at a resolved key path (None where it is unset)."""
    obj: Any = scenario
    for segment in segments:
        if isinstance(segment, int):
            obj = obj[segment] if isinstance(obj, list | tuple) and segment < len(obj) else None
        elif isinstance(obj, BaseModel):
            found = _field(type(obj), segment)
            obj = getattr(obj, found[0]) if found is not None else None
        elif isinstance(obj, Mapping):
            obj = obj.get(segment)
        else:
            return None
    return obj


def _restart_variants(scenario: Scenario, data: dict[str, Any], axes: Sequence[Axis]) -> None:
    """For each axis that changes the tag of a key with variants, keep in that section
    only what the new variant should inherit (see the module docstring).
    """
    for axis in axes:
        *where, key = axis.segments
        annotation = _annotation_at(where)
        if annotation is None or tag_key(annotation) != key:
            continue
        section = _current(data, where)
        before = _object_at(scenario, where)
        if not isinstance(section, dict) or not isinstance(before, BaseModel):
            continue
        models = union_members(annotation)
        model = next((m for m in models if section.get(key) in _literal_values(m, key)), None)
        if model is None or model is type(before):
            continue  # an unknown tag (validation names the choices), or no change
        shared = set(allowed_keys(models[0])).intersection(*map(allowed_keys, models[1:]))
        written = {
            type(before).model_fields[name].alias or name for name in before.model_fields_set
        }
        keep = shared | (written & set(allowed_keys(model)))
        depth = len(where)
        keep |= {  # keys the change sets, at or below them (``routing.order.cards``)
            str(a.segments[depth])
            for a in axes
            if len(a.segments) > depth and list(a.segments[:depth]) == where
        }
        for name in list(section):
            if name not in keep:
                del section[name]


def _literal_values(model: type[BaseModel], key: str) -> tuple[Any, ...]:
    found = _field(model, key)
    return getattr(found[2], "__args__", ()) if found is not None else ()


def _current(data: Any, segments: Sequence[Segment]) -> Any:
    for segment in segments:
        if isinstance(data, Mapping) and isinstance(segment, str):
            data = data.get(segment)
        elif isinstance(data, list) and isinstance(segment, int) and segment < len(data):
            data = data[segment]
        else:
            return None
    return data


def _set(data: dict[str, Any], segments: Sequence[Segment], value: Any) -> None:
    target: Any = data
    for segment, following in itertools.pairwise(segments):
        nxt = target[segment] if not isinstance(target, dict) else target.get(segment)
        if nxt is None:
            nxt = [] if isinstance(following, int) else {}
            target[segment] = nxt
        target = nxt
    target[segments[-1]] = copy.deepcopy(value)


# ----------------------------------------------------------------------------- grids


@dataclass(frozen=True)
class Axis:
    """One swept key: its path as the user wrote it, in the file's spelling, and its values."""

    path: str
    segments: tuple[Segment, ...]
    values: tuple[Any, ...]


def parse_axes(scenario: Scenario, grid: Mapping[str, Any] | Sequence[str]) -> list[Axis]:
    """Axes from ``{path: values}`` (a list, or a ``--set`` value string) or ``KEY=VALUES``."""
    data = scenario_to_dict(scenario)
    pairs: list[tuple[str, Any]] = []
    if isinstance(grid, Mapping):
        pairs = [(str(k), v) for k, v in grid.items()]
    else:
        for spec in grid:
            key, sep, text = str(spec).partition("=")
            if not sep:
                raise OverrideError(
                    key.strip() or str(spec),
                    "expected KEY=VALUES, e.g. agent_groups[0].staffing=20:30:2",
                )
            pairs.append((key.strip(), text))
    axes: list[Axis] = []
    for path, given in pairs:
        segments = _resolve(scenario, path)
        if any(a.segments == segments for a in axes):
            raise OverrideError(path, "this key is swept twice")
        if isinstance(given, str):
            values = parse_values(path, given, _current(data, segments))
        elif isinstance(given, Sequence):
            if len(given) > MAX_VALUES:  # counted before copying (e.g. a huge range)
                raise OverrideError(path, f"{len(given):,} values (at most {MAX_VALUES:,})")
            values = list(given)
        else:
            values = [given]
        if not values:
            raise OverrideError(path, "no values to sweep")
        axes.append(Axis(path.strip(), segments, tuple(values)))
    check_grid_size(axes)
    return axes


def check_grid_size(axes: Sequence[Axis]) -> int:
    """The number of points of the grid (the product of the axes' lengths), counted
    without building it.

    Raises
    ------
    OverrideError
        When it exceeds :data:`MAX_POINTS`.
    """
    points = math.prod(len(a.values) for a in axes)
    if points > MAX_POINTS:
        sizes = " x ".join(f"{len(a.values):,}" for a in axes)
        raise OverrideError(
            ", ".join(a.path for a in axes),
            f"the grid has {points:,} points ({sizes}); at most {MAX_POINTS:,} in one sweep",
        )
    return points


def grid_points(axes: Sequence[Axis]) -> list[dict[str, Any]]:
    """Every combination of the axes' values (the first axis varies slowest)."""
    check_grid_size(axes)
    return [
        dict(zip((a.path for a in axes), combo, strict=True))
        for combo in itertools.product(*(a.values for a in axes))
    ]


def apply_overrides(
    scenario: Scenario,
    axes: Sequence[Axis],
    values: Mapping[str, Any],
    base_dir: str | Path | None = None,
) -> Scenario:
    """The scenario with each axis's key set to ``values[axis.path]``, validated again.

    Raises
    ------
    OverrideError
        Naming the changed keys and carrying the scenario layer's problems (each with
        its key path) when the changed scenario is not valid.
    """
    data = scenario_to_dict(scenario)
    for axis in axes:
        _set(data, axis.segments, values[axis.path])
    _restart_variants(scenario, data, axes)
    try:
        return scenario_from_dict(
            data, source="<--set>", base_dir=None if base_dir is None else Path(base_dir)
        )
    except ScenarioError as error:
        problems = "; ".join(str(p) for p in error.problems)
        for axis in axes:
            key = _render(axis.segments)
            if any(
                p.path == key or p.path.startswith((f"{key}.", f"{key}[")) for p in error.problems
            ):
                value = values[axis.path]
                raise OverrideError(
                    axis.path, f"the value {value!r} is not valid here: {problems}"
                ) from None
        setting = ", ".join(f"{a.path}={values[a.path]!r}" for a in axes)
        raise OverrideError(
            axes[0].path if len(axes) == 1 else setting,
            f"the scenario is not valid with {setting}: {problems}",
        ) from None


def with_changes(
    scenario: Scenario, changes: Mapping[str, Any], base_dir: str | Path | None = None
) -> Scenario:
    """``scenario`` with each key path of ``changes`` set to its value, validated again.

    The key paths and the errors are those of ``--set``
    (``{"agent_groups[cards_team].staffing": 6, "routing.policy": "fcfs"}``); a value is
    used as given (a list stays one list value, nothing is parsed from a string).

    Raises
    ------
    OverrideError
        For an unknown key path, or a value the scenario does not accept (the message
        names the key path).
    """
    axes: list[Axis] = []
    for path, value in changes.items():
        segments = _resolve(scenario, str(path))
        if any(a.segments == segments for a in axes):
            raise OverrideError(str(path), "this key is changed twice")
        axes.append(Axis(str(path).strip(), segments, (value,)))
    if not axes:
        return scenario
    return apply_overrides(scenario, axes, {a.path: a.values[0] for a in axes}, base_dir)
