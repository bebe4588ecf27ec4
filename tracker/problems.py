"""How a verb says no: every problem at once, each named by its form field (or None)."""

from __future__ import annotations


class RecordProblems(ValueError):
    """The change cannot be made; ``problems`` pairs a form field (or None) with a message."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


class Problems:
    """Problems collected by a verb's checks, raised together."""

    def __init__(self):
        self.items: list[tuple[str | None, str]] = []

    def add(self, field: str | None, message: str) -> None:
        self.items.append((field, message))

    def raise_any(self) -> None:
        if self.items:
            raise RecordProblems(self.items)
