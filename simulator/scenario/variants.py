"""Scenario keys with variants: a tagged union of models, one per variant.

``routing``, ``transfers``, ``escalation``, ``incentive``, ``wait_estimate``,
``callback`` and ``announcement`` each come in kinds, named by a tag key (``policy``,
``mode``, ``path``, ``scheme``, ``predictor``). Each kind is a model of its own whose
tag field is a one-value ``Literal`` and which holds that kind's own parameters only, so
a parameter can only be written where it means something. The tag's value is also the
key under which the runtime implementation is registered (``simulator/policies``): a
variant's name is written once, in its model's ``Literal``.

A union is declared as ``Annotated[A | B, Field(discriminator=TAG), default_tag(TAG,
"a")]``; the helpers below read the members and tags back for the registries, the
``--set`` key paths and the error messages.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel, BeforeValidator

__all__ = ["default_tag", "tag_key", "tag_value", "union_members", "union_tags"]


def tag_value(model: type[BaseModel], tag: str) -> str:
    """The value of ``model``'s tag field ``tag`` (its one-value ``Literal``).

    Raises
    ------
    TypeError
        When ``model`` has no field ``tag`` typed as a one-value ``Literal``.
    """
    field = model.model_fields.get(tag)
    args = typing.get_args(field.annotation) if field is not None else ()
    if (
        field is None
        or typing.get_origin(field.annotation) is not typing.Literal
        or len(args) != 1
        or not isinstance(args[0], str)
    ):
        raise TypeError(f"{model.__name__} has no one-value Literal field {tag!r}")
    return args[0]


def union_members(annotation: Any) -> tuple[type[BaseModel], ...]:
    """The models of a union of models (``Annotated`` and ``None`` stripped); () otherwise."""
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return ()
    members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    models: list[type[BaseModel]] = []
    for member in members:
        while typing.get_origin(member) is typing.Annotated:
            member = typing.get_args(member)[0]
        if typing.get_origin(member) in (typing.Union, types.UnionType):
            models.extend(union_members(member))
        elif isinstance(member, type) and issubclass(member, BaseModel):
            models.append(member)
        else:
            return ()
    return tuple(models)


def tag_key(annotation: Any) -> str | None:
    """The tag key of a tagged union of models: the field every member holds as a
    one-value ``Literal`` (None when ``annotation`` is not such a union).
    """
    members = union_members(annotation)
    if len(members) < 2:
        return None
    common = set(members[0].model_fields).intersection(*(m.model_fields for m in members[1:]))
    for name in members[0].model_fields:
        if name in common:
            try:
                values = {tag_value(m, name) for m in members}
            except TypeError:
                continue
            if len(values) == len(members):
                return name
    return None


def union_tags(annotation: Any) -> tuple[str, ...]:
    """The tag values of a tagged union, in the order of its members."""
    key = tag_key(annotation)
    if key is None:
        return ()
    return tuple(tag_value(m, key) for m in union_members(annotation))


def default_tag(tag: str, default: str) -> BeforeValidator:
    """A validator that fills in ``tag: default`` when a mapping leaves the tag out, so
    files written before the key had variants keep loading unchanged.
    """

    def fill(value: Any) -> Any:
        if isinstance(value, dict) and tag not in value:
            return {**value, tag: default}
        return value

    return BeforeValidator(fill)
