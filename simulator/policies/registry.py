"""One registry per family of policies: the scenario model's tag -> what builds the policy.

A family (routing, transfer modes, announcements, ...) is a tagged union of scenario
models (``simulator/scenario/variants.py``) on one side and small objects behind a
``Protocol`` on the other. Each implementation is registered with
``@FAMILY.register(Model)``, which files it under the model's tag value, so adding a
variant means a model beside its siblings and a class beside its siblings, and
nothing else: the compile step builds whatever the scenario names with
``FAMILY.build(spec, ...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from simulator.scenario.variants import tag_key, tag_value, union_members

__all__ = ["Registry"]

Impl = TypeVar("Impl")


class Registry(Generic[Impl]):
    """Tag value -> factory of one family's runtime implementation.

    Parameters
    ----------
    family
        What the family is called in messages (``"routing policy"``).
    union
        The scenario's tagged union for the family; its tag key is the registry's key.
    """

    def __init__(self, family: str, union: Any) -> None:
        key = tag_key(union)
        if key is None:
            raise TypeError(f"the {family} models are not a tagged union")
        self.family = family
        self.tag: str = key
        self.models = union_members(union)
        self._factories: dict[str, Callable[..., Impl]] = {}

    def register(
        self, model: type[BaseModel]
    ) -> Callable[[Callable[..., Impl]], Callable[..., Impl]]:
        """Register the decorated class (or function) as the implementation of ``model``.

        It is called with the model instance (the variant's parameters) and whatever
        context the family's ``build`` is given.
        """
        key = tag_value(model, self.tag)
        if model not in self.models:
            raise TypeError(f"{model.__name__} is not one of the {self.family} models")

        def add(factory: Callable[..., Impl]) -> Callable[..., Impl]:
            if key in self._factories:
                raise ValueError(f"{self.family} {key!r} is registered twice")
            self._factories[key] = factory
            return factory

        return add

    def build(self, spec: BaseModel, *context: Any) -> Impl:
        """The implementation of the variant ``spec`` names, built from it and ``context``."""
        return self._factories[getattr(spec, self.tag)](spec, *context)

    def keys(self) -> tuple[str, ...]:
        """The registered tag values, in registration order."""
        return tuple(self._factories)

    def unimplemented(self) -> list[str]:
        """Tag values of the family's models that have no implementation registered."""
        return [
            tag_value(m, self.tag)
            for m in self.models
            if tag_value(m, self.tag) not in self._factories
        ]
