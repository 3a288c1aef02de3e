"""Scenario errors that name the file, the key path and what is wrong.

Every problem found in a scenario becomes a :class:`Problem` with a key path in
the file's own spelling (``agent_groups[1].skills.cards``,
``routing.overflow[0].from``) and a message that says what is wrong and what is
expected. A :class:`ScenarioError` carries all problems found at once, so a
planner fixes a file in one pass rather than one error per run.

pydantic reports locations as tuples that contain validation noise (the
discriminator tag it inserts for a tagged union, ``[key]`` for a bad mapping
key); :func:`problems_from_validation_error` walks the model types alongside the
location to drop that noise and to list the keys allowed where an unknown key
was found.
"""

from __future__ import annotations

import difflib
import re
import reprlib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from simulator.scenario.variants import tag_key, tag_value, union_members

__all__ = [
    "Problem",
    "ScenarioError",
    "allowed_keys",
    "join_path",
    "key_segment",
    "problems_from_validation_error",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MAX_INPUT_REPR = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario.

    Parameters
    ----------
    path
        Key path in the file's spelling, e.g. ``call_types[0].handle_time.cv``;
        empty for a problem with the file as a whole (missing, not YAML, ...).
    message
        What is wrong and what is expected.
    """

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(ValueError):
    """A scenario that cannot be used, with every problem found in it.

    Parameters
    ----------
    problems
        The problems, in file order where that is known.
    source
        The scenario file's name, or ``"<dict>"`` for data given in Python.
    """

    def __init__(self, problems: Sequence[Problem], source: str = "<dict>") -> None:
        self.problems: list[Problem] = list(problems)
        self.source: str = source
        super().__init__(self.problems, source)

    def __str__(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        lines = [f"{self.source}: {count} {noun} in the scenario:"]
        lines.extend(f"  {problem}" for problem in self.problems)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ScenarioError(problems={self.problems!r}, source={self.source!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.problems, self.source))


def key_segment(key: object) -> str:
    """Render one mapping key as a path segment: ``.name`` or ``["odd key"]``."""
    if isinstance(key, str) and _IDENTIFIER.match(key):
        return f".{key}"
    return f"[{key!r}]"


def join_path(prefix: str, relative: str) -> str:
    """Join a key path prefix and a relative path (``"a[0]"`` + ``"b"`` -> ``"a[0].b"``)."""
    if not prefix:
        return relative
    if not relative:
        return prefix
    if relative.startswith("["):
        return prefix + relative
    return f"{prefix}.{relative}"


_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 2
_SHORT_REPR.maxdict = _SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxset = 4
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = _MAX_INPUT_REPR
_SHORT_REPR.maxlong = 40


def _short(value: object) -> str:
    """A repr cut to a few items and characters, in time bounded whatever ``value`` holds
    (a plain ``repr`` of an alias-expanded YAML value could take hours).
    """
    text = _SHORT_REPR.repr(value)
    if len(text) > _MAX_INPUT_REPR:
        text = text[: _MAX_INPUT_REPR - 3] + "..."
    return text


def unwrap_type(tp: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` wrappers from a type."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(tp) if arg is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _tags(model: type[BaseModel]) -> set[object]:
    """Values of the single-value ``Literal`` fields of a model (its union tags)."""
    tags: set[object] = set()
    for field in model.model_fields.values():
        annotation = unwrap_type(field.annotation)
        if typing.get_origin(annotation) is typing.Literal:
            args = typing.get_args(annotation)
            if len(args) == 1:
                tags.add(args[0])
    return tags


def _branch_tags(member: Any) -> set[object]:
    """Tags given to a union branch by ``Annotated[..., Tag(name)]`` (callable discriminators)."""
    if typing.get_origin(member) is not typing.Annotated:
        return set()
    return {meta.tag for meta in typing.get_args(member)[1:] if isinstance(meta, Tag)}


def _field_by_key(model: type[BaseModel], key: object) -> Any | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field.annotation
    return None


def allowed_keys(model: type[BaseModel]) -> list[str]:
    """Return the keys a scenario file may use for ``model`` (aliases where set)."""
    return [field.alias or name for name, field in model.model_fields.items()]


@dataclass
class _Located:
    path: str
    parent: Any  # the type that holds the last segment (a model for unknown keys)
    bad_key: bool  # the error is about a mapping key, not its value
    variants: Any = None  # the tagged union ``parent`` is a member of, if any


def _locate(root: type[BaseModel], loc: Sequence[int | str]) -> _Located:
    """Turn a pydantic location into a key path, dropping tags and branch labels."""
    path = ""
    current: Any = root
    parent: Any = None
    bad_key = False
    entered: Any = None  # the tagged union whose member ``current`` is
    variants: Any = None
    for segment in loc:
        tp = unwrap_type(current)
        origin = typing.get_origin(tp)
        if origin in (typing.Union, types.UnionType):
            # A tagged union: pydantic inserts the tag of the branch it tried.
            match = [
                member
                for member in typing.get_args(tp)
                if (_is_model(unwrap_type(member)) and segment in _tags(unwrap_type(member)))
                or segment in _branch_tags(member)
            ]
            if match:
                entered = tp
                current = unwrap_type(match[0])
                continue
            parent, current = tp, None
            path += key_segment(segment)
            continue
        if segment == "[key]":
            bad_key = True
            continue
        parent = tp
        variants, entered = entered, None
        if _is_model(tp):
            current = _field_by_key(tp, segment)
            path += key_segment(segment)
        elif origin in (list, tuple, set, frozenset) and isinstance(segment, int):
            args = typing.get_args(tp)
            current = args[0] if args else None
            path += f"[{segment}]"
        elif origin is dict:
            args = typing.get_args(tp)
            current = args[1] if len(args) == 2 else None
            path += key_segment(segment)
        else:
            current = None
            path += f"[{segment}]" if isinstance(segment, int) else key_segment(segment)
    return _Located(path=path.removeprefix("."), parent=parent, bad_key=bad_key, variants=variants)


def _number(value: object) -> str:
    """Show a bound as a planner writes it: ``0`` rather than ``0.0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _tag_key(ctx: dict[str, Any]) -> str:
    """Name of a tagged union's key, e.g. ``dist`` (pydantic gives it quoted)."""
    return str(ctx.get("discriminator", "tag")).strip("'\"")


def _variants_with(located: _Located, key: str) -> str:
    """Where an unknown key of a variant belongs: ``belongs to mode optimistic or
    pessimistic, not to mode accurate`` (empty when no sibling variant has it).
    """
    tag = tag_key(located.variants) if located.variants is not None else None
    if tag is None or not _is_model(located.parent):
        return ""
    having = [
        tag_value(member, tag)
        for member in union_members(located.variants)
        if key in allowed_keys(member)
    ]
    if not having:
        return ""
    return f"belongs to {tag} {' or '.join(having)}, not to {tag} {tag_value(located.parent, tag)}"


def _got(error: ErrorDetails) -> str:
    return f"got {_short(error.get('input'))}"


def _message(error: ErrorDetails, located: _Located) -> str:
    """Word one pydantic error for a planner: what is wrong, what is expected."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(error["loc"][-1]) if error["loc"] else ""
        if _is_model(located.parent):
            allowed = allowed_keys(located.parent)
            elsewhere = _variants_with(located, key)
            if elsewhere:
                return f"'{key}' {elsewhere} (allowed here: {', '.join(allowed)})"
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            return f"unknown key '{key}' (allowed here: {', '.join(allowed)}){suggestion}"
        return f"unknown key '{key}'"
    if kind == "union_tag_invalid":
        return (
            f"unknown {_tag_key(ctx)} {ctx.get('tag')!r} "
            f"(expected one of: {ctx.get('expected_tags')})"
        )
    if kind == "union_tag_not_found":
        return f"needs a {_tag_key(ctx)} key saying which kind it is, {_got(error)}"
    bounds = {
        "greater_than_equal": ("must be >=", "ge"),
        "greater_than": ("must be >", "gt"),
        "less_than_equal": ("must be <=", "le"),
        "less_than": ("must be <", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"{words} {_number(ctx.get(key))}, {_got(error)}"
    prefix = "key " if located.bad_key else ""
    simple = {
        "int_type": "must be a whole number",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "string_type": "must be a string",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
    }
    if kind in simple:
        return f"{prefix}{simple[kind]}, {_got(error)}"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}, {_got(error)}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s), {_got(error)}"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s), {_got(error)}"
    if kind == "string_too_short":
        return f"{prefix}must not be empty"
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    return f"{prefix}{error['msg']}, {_got(error)}"


def problems_from_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[Problem]:
    """Convert a pydantic ``ValidationError`` on ``root`` into problems with key paths.

    A validator that raised a :class:`ScenarioError` contributes each of its
    problems, its relative paths joined to the location of the validator.
    """
    problems: list[Problem] = []
    for error in exc.errors():
        located = _locate(root, error["loc"])
        if error["type"] == "union_tag_invalid":  # point at the tag key itself
            tag = _tag_key(dict(error.get("ctx") or {}))
            located = _Located(join_path(located.path, tag), located.parent, located.bad_key)
        nested = (error.get("ctx") or {}).get("error")
        if isinstance(nested, ScenarioError):
            problems.extend(
                Problem(join_path(located.path, p.path), p.message) for p in nested.problems
            )
            continue
        problems.append(Problem(located.path, _message(error, located)))
    return _unique(problems)


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    result: list[Problem] = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            result.append(problem)
    return result
