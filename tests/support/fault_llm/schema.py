"""Checks a JSON value against the request TypedDicts the `openai` package defines.

The openai package types every request body as TypedDicts (keys are the wire names, `async`
included). `problems(value, type, path)` walks such a type and returns what the API would refuse:
an unknown key, a missing required key, a null where the type allows none, a value outside a
literal, a wrong JSON type. A union passes when one member does; when none does, the errors of the
member the value meant (same `type`/`role` literal) are reported, like the API does.
"""

import functools
import types
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union

import typing_extensions

ErrorCode = Literal[
    "unknown_parameter", "missing_required_parameter", "invalid_type", "invalid_value"
]


@dataclass(frozen=True)
class Problem:
    """One thing the API would refuse, with the path it names (`input[3].async_`)."""

    path: str
    code: ErrorCode
    message: str


_WRAPPERS = {
    typing.Annotated,
    typing_extensions.Annotated,
    typing_extensions.Required,
    typing_extensions.NotRequired,
    typing_extensions.ReadOnly,
}
# The JSON type names the API uses in its messages.
_JSON_NAMES = {str: "string", int: "integer", float: "number", bool: "boolean"}
# Keys that tell which member of a union an object means.
DISCRIMINATORS = ("type", "role")


def _unwrap(tp: Any) -> Any:
    while typing.get_origin(tp) in _WRAPPERS:
        tp = typing.get_args(tp)[0]
    return tp


def _is_typeddict(tp: Any) -> bool:
    return isinstance(tp, type) and typing_extensions.is_typeddict(tp)


@functools.cache
def _fields(td: type) -> tuple[dict[str, Any], frozenset[str]]:
    """A TypedDict's keys with their types, and which keys are required."""
    hints = typing_extensions.get_type_hints(td, include_extras=True)
    # The openai package writes `Required[...]` in string annotations, which TypedDict's own
    # __required_keys__ misses: read the wrappers from the resolved hints.
    marked = {key: typing.get_origin(hint) for key, hint in hints.items()}
    required = {key for key, origin in marked.items() if origin is typing_extensions.Required}
    required |= {
        key
        for key in td.__required_keys__  # type: ignore[attr-defined]
        if marked.get(key) is not typing_extensions.NotRequired
    }
    return hints, frozenset(required)


def _members(tp: Any) -> list[Any]:
    """The alternatives of a union, flattened; [tp] for anything else."""
    tp = _unwrap(tp)
    if typing.get_origin(tp) in (Union, types.UnionType):
        return [m for arg in typing.get_args(tp) for m in _members(arg)]
    return [tp]


def literal_values(tp: Any) -> tuple[Any, ...] | None:
    """The values of a Literal type (None if tp is not one)."""
    tp = _unwrap(tp)
    literal = typing.get_origin(tp) in (Literal, typing_extensions.Literal)
    return typing.get_args(tp) if literal else None


def discriminator(td: type, key: str) -> tuple[Any, ...] | None:
    """The literal values a TypedDict allows for `key` ("type", "role"), if it is one."""
    hints, _ = _fields(td)
    return literal_values(hints[key]) if key in hints else None


def _describe(tp: Any) -> str:
    names = []
    for member in _members(tp):
        if member is type(None):
            continue
        if _is_typeddict(member) or typing.get_origin(member) in (dict, Mapping):
            names.append("object")
        elif typing.get_origin(member) in (list, Iterable, Sequence, typing.List):  # noqa: UP006
            names.append("array")
        elif literal_values(member) is not None:
            names.append("string")
        else:
            names.append(_JSON_NAMES.get(member, getattr(member, "__name__", str(member))))
    return " or ".join(dict.fromkeys(names))


def _json_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _wrong_type(value: Any, tp: Any, path: str) -> Problem:
    expected, got = _describe(tp), _json_name(value)
    message = f"Invalid type for '{path}': expected {expected}, but got {got} instead."
    return Problem(path, "invalid_type", message)


def problems(value: Any, tp: Any, path: str) -> list[Problem]:
    """Everything about `value` that type `tp` refuses, each naming its path."""
    tp = _unwrap(tp)
    members = _members(tp)
    if len(members) > 1:
        return _union_problems(value, members, path)
    if tp is Any or tp is object:
        return []
    if value is None:
        return [] if tp is type(None) else [_wrong_type(value, tp, path)]
    allowed = literal_values(tp)
    if allowed is not None:
        if value in allowed and type(value) in {type(a) for a in allowed}:
            return []
        supported = ", ".join(f"'{a}'" for a in allowed)
        return [
            Problem(
                path,
                "invalid_value",
                f"Invalid value: '{value}'. Supported values are: {supported}.",
            )
        ]
    if _is_typeddict(tp):
        return _object_problems(value, tp, path)
    origin = typing.get_origin(tp)
    if origin in (list, Iterable, Sequence, typing.List):  # noqa: UP006
        if not isinstance(value, list):
            return [_wrong_type(value, tp, path)]
        (element,) = typing.get_args(tp) or (Any,)
        return [p for i, v in enumerate(value) for p in problems(v, element, f"{path}[{i}]")]
    if origin in (dict, Mapping, typing.Dict):  # noqa: UP006
        if not isinstance(value, dict):
            return [_wrong_type(value, tp, path)]
        args = typing.get_args(tp)
        element = args[1] if len(args) == 2 else Any
        return [p for k, v in value.items() for p in problems(v, element, f"{path}.{k}")]
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(tp, type):
        ok = isinstance(value, tp)
    else:
        ok = True  # a construct this walker does not know: accepted, never guessed at
    return [] if ok else [_wrong_type(value, tp, path)]


def _object_problems(value: Any, td: type, path: str) -> list[Problem]:
    if not isinstance(value, dict):
        return [_wrong_type(value, td, path)]
    hints, required = _fields(td)
    found: list[Problem] = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key not in hints:
            found.append(Problem(where, "unknown_parameter", f"Unknown parameter: '{where}'."))
        else:
            found += problems(item, hints[key], where)
    for key in sorted(required - value.keys()):
        where = f"{path}.{key}" if path else key
        found.append(
            Problem(where, "missing_required_parameter", f"Missing required parameter: '{where}'.")
        )
    return found


def _union_problems(value: Any, members: list[Any], path: str) -> list[Problem]:
    if value is None:
        if type(None) in members:
            return []
        return [_wrong_type(value, Union[tuple(members)], path)]  # noqa: UP007
    members = [m for m in members if m is not type(None)]
    same = [m for m in members if _same_kind(value, m)]
    meant = [m for m in same if _means(value, m)]
    tried = [(m, problems(value, m, path)) for m in meant or same]
    if any(not found for _, found in tried):
        return []
    if not meant and isinstance(value, dict):
        for key in DISCRIMINATORS:
            choices = [v for m in same if _is_typeddict(m) for v in discriminator(m, key) or ()]
            if key in value and choices:
                supported = ", ".join(f"'{c}'" for c in dict.fromkeys(choices))
                message = f"Invalid value: '{value[key]}'. Supported values are: {supported}."
                return [Problem(f"{path}.{key}", "invalid_value", message)]
    if tried:
        return min(tried, key=lambda pair: len(pair[1]))[1]
    return [_wrong_type(value, Union[tuple(members)], path)]  # noqa: UP007


def _same_kind(value: Any, member: Any) -> bool:
    """Whether a member of a union is of the JSON kind of value (object, array, scalar)."""
    origin = typing.get_origin(member)
    if member is Any or member is object:
        return True
    if _is_typeddict(member) or origin in (dict, Mapping, typing.Dict):  # noqa: UP006
        return isinstance(value, dict)
    if origin in (list, Iterable, Sequence, typing.List):  # noqa: UP006
        return isinstance(value, list)
    return not isinstance(value, dict | list)


def _means(value: Any, member: Any) -> bool:
    """Whether an object names this TypedDict: its `type`/`role` literals match, one at least."""
    if not (isinstance(value, dict) and _is_typeddict(member)):
        return False
    matched = False
    for key in DISCRIMINATORS:
        allowed = discriminator(member, key)
        if key in value and allowed is not None:
            if value[key] not in allowed:
                return False
            matched = True
    return matched
