"""A tiny name -> implementation registry: adding a distribution, objective or preset is
adding one entry, and the UI lists whatever the registry holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Registry(Generic[T]):
    kind: str
    entries: dict[str, T] = field(default_factory=dict)

    def register(self, name: str, item: T) -> T:
        if name in self.entries:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self.entries[name] = item
        return item

    def get(self, name: str) -> T:
        try:
            return self.entries[name]
        except KeyError:
            known = ", ".join(self.entries)
            raise KeyError(f"unknown {self.kind} {name!r}; choose one of: {known}") from None

    def names(self) -> list[str]:
        return list(self.entries)

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)
