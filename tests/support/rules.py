"""Rules that read a text, tested from tables: one list of cases per rule, ids naming both."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

Rule = Callable[[str], Any]
# The parameter names of a test over rule_cases.
RULE_CASE = ("rule", "text", "expected")


def rule_cases(table: Mapping[Rule, Iterable[tuple[str, Any]]]) -> list[Any]:
    """pytest params (rule, text, expected) for every case of every rule, id `rule('text')`."""
    return [
        pytest.param(rule, text, expected, id=f"{rule.__name__}({text!r})")
        for rule, cases in table.items()
        for text, expected in cases
    ]
