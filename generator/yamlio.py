"""Safe YAML reading: C loader, YAML 1.2 scalars, bounded aliases and depth, lines kept for errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import MAX_FACTS_BYTES, FactsError, Problem, read_facts_bytes

MAX_ALIASES = 50
MAX_EXPANDED_NODES = 20_000
MAX_BYTES = MAX_FACTS_BYTES
# The facts model is at most four levels deep; anything far deeper is an attack on the parser.
MAX_DEPTH = 16
# No fact needs a longer number; Python refuses to parse ints of more than 4,300 digits anyway.
MAX_NUMBER_DIGITS = 100

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader for the project's own data files, reading only true/false as booleans.

    YAML 1.1 turns `no`, `on`, `yes` into booleans, which would make Norway's
    region id `no` a `False`.
    """


DataLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
DataLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class TypedText(str):
    """A number as it was typed, where Python could not or should not make a number of it."""


class YamlInt(int):
    """An integer that remembers how it was typed, so a text field gets `+14165550100`, not 14165550100."""

    yaml_text: str


class YamlFloat(float):
    """A float that remembers how it was typed (`.inf`, `1e3`), for the same reason."""

    yaml_text: str


class YamlDate(dt.date):
    """A date that remembers how it was typed, for a date typed into a text field."""

    yaml_text: str


class FactsLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader with the YAML 1.2 core schema for facts files.

    YAML 1.1 rewrites what people type: `no` becomes false, `01234567` the octal 342391,
    `1:20:30` the sexagesimal 4830, and `2026-02-30` is a date Python cannot build. Here
    only 1.2 booleans, decimal/0o/0x integers and plain floats are numbers, a real date
    is a date, an impossible date or a date with a time stays the text it was (the facts
    model says what is wrong with it), and every number or date keeps its source text.
    """


_CORE_RESOLVERS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     "-+.0123456789"),
]
FactsLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
for _tag, _pattern, _first in _CORE_RESOLVERS:
    FactsLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_bool(loader, node):
    text = loader.construct_scalar(node)
    return {"true": True, "false": False}.get(str(text).lower(), TypedText(text))


def _construct_int(loader, node):
    text = str(loader.construct_scalar(node))
    digits = text.lstrip("+-")
    if len(digits) > MAX_NUMBER_DIGITS:
        return TypedText(text)
    try:
        if digits[:2] in ("0o", "0x"):
            number = int(digits[2:], 8 if digits[1] == "o" else 16) * (-1 if text.startswith("-") else 1)
        else:
            number = int(text.replace("_", ""), 10)
    except ValueError:  # an explicit !!int tag on something that is not one
        return TypedText(text)
    value = YamlInt(number)
    value.yaml_text = text
    return value


def _construct_float(loader, node):
    text = str(loader.construct_scalar(node))
    special = {".inf": "inf", "+.inf": "inf", "-.inf": "-inf", ".nan": "nan"}.get(text.lower())
    try:
        value = YamlFloat(special or text.replace("_", ""))
    except ValueError:
        return TypedText(text)
    value.yaml_text = text
    return value


def _construct_timestamp(loader, node):
    text = str(loader.construct_scalar(node))
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if match:
        try:
            value = YamlDate(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return TypedText(text)
        value.yaml_text = text
        return value
    return TypedText(text)  # a time of day, a one-digit month: no fact takes that


FactsLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
FactsLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
FactsLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
FactsLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def typed_text(value: Any) -> str | None:
    """What was typed for a scalar YAML read as a number, or None for anything else."""
    if isinstance(value, TypedText):
        return str(value)
    return getattr(value, "yaml_text", None)


class LineMap:
    """Maps a key path such as ('audience', 'minimum_age') to its line in the file."""

    def __init__(self, root: yaml.Node | None):
        self._lines: dict[tuple, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: tuple) -> None:
        self._lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                self._lines[path + (key,)] = key_node.start_mark.line + 1
                self._walk(value_node, path + (key,))  # keeps the key's line: setdefault
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,))

    def line(self, path: tuple) -> int | None:
        """The line of the deepest part of `path` that exists in the file."""
        path = tuple(path)
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get(())


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


def key_text(path: tuple) -> str:
    """('analytics', 0, 'name') as analytics[0].name, the way every message names a key."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _too_deep(root: yaml.Node, file: str) -> Problem | None:
    """The first node nested deeper than MAX_DEPTH, with its key, found without recursion."""
    stack: list[tuple[yaml.Node, tuple]] = [(root, ())]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return Problem(file, node.start_mark.line + 1, key_text(path[:MAX_DEPTH]),
                           f"lists and mappings are nested too deeply (at most {MAX_DEPTH} levels)")
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend((value, path + (key.value if isinstance(key, yaml.ScalarNode) else "?",))
                         for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, path + (index,)) for index, item in enumerate(node.value))
    return None


def _check_structure(root: yaml.Node, file: str) -> list[Problem]:
    """Reject duplicate keys and alias bombs before any Python object is built."""
    problems: list[Problem] = []
    aliases = 0
    biggest: list = [0, 0, (), None]   # the list that expands to the most nodes: size, length, key path, line
    sizes: dict[int, int] = {}
    seen: set[int] = set()

    def expanded_size(node: yaml.Node, path: tuple = ()) -> int:
        nonlocal aliases
        ident = id(node)
        if ident in sizes:
            aliases += 1
            return sizes[ident]
        if ident in seen:  # a recursive alias
            raise RecursionError
        seen.add(ident)
        size = 1
        if isinstance(node, yaml.MappingNode):
            keys: dict[str, int] = {}
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    line = key_node.start_mark.line + 1
                    if key_node.tag not in (_STR_TAG, _MERGE_TAG):
                        problems.append(Problem(file, line, key_text(path + (key_node.value,)),
                                                "keys must be names; write this one in quotes if it is meant"))
                    if key_node.value in keys:
                        problems.append(Problem(file, line, key_text(path + (key_node.value,)),
                                                f"duplicate key (first given on line {keys[key_node.value]})"))
                    keys.setdefault(key_node.value, line)
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                size += expanded_size(key_node, path) + expanded_size(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            size += sum(expanded_size(item, path + (index,)) for index, item in enumerate(node.value))
            if size > biggest[0]:
                biggest[:] = [size, len(node.value), path, node.start_mark.line + 1]
        sizes[ident] = size
        return size

    try:
        total = expanded_size(root)
    except RecursionError:
        return [Problem(file, None, "", "recursive YAML aliases are not allowed")]
    if aliases <= MAX_ALIASES and total > MAX_EXPANDED_NODES:
        size, count, path, line = biggest
        problems.append(Problem(file, line, key_text(path),
                                f"is far too long for a facts file ({count} entries; the whole file may hold "
                                f"at most {MAX_EXPANDED_NODES} keys and values)") if size * 2 > total else
                        Problem(file, None, "", f"the file holds too many keys and values ({total}; at most "
                                                f"{MAX_EXPANDED_NODES})"))
    elif aliases > MAX_ALIASES or total > MAX_EXPANDED_NODES:
        problems.append(Problem(file, None, "",
                                f"too many YAML aliases: the document expands to {total} nodes "
                                f"through {aliases} aliases (limits: {MAX_EXPANDED_NODES} nodes, {MAX_ALIASES} aliases)"))
    return problems


def decode(data: bytes, file: str) -> str:
    if len(data) > MAX_BYTES:
        raise FactsError([Problem(file, None, "", f"file is too large ({len(data)} bytes; a facts file has at most {MAX_BYTES})")])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FactsError([Problem(file, line, "", f"file is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})")]) from None
    return text.removeprefix("\ufeff")


def _tab_before(text: str, mark) -> bool:
    """Whether the line of a YAML error has a tab up to the error's column (a common slip)."""
    if mark is None:
        return False
    lines = text.splitlines()
    return mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]


def load_text(text: str, file: str) -> tuple[Any, LineMap]:
    """Parse one YAML document safely; return the data and where each key stands."""
    loader = FactsLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None, LineMap(None)
        deep = _too_deep(root, file)
        if deep:
            raise FactsError([deep])
        problems = _check_structure(root, file)
        if problems:
            raise FactsError(problems)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or "invalid YAML"
        if "could not determine a constructor" in what:
            what = f"YAML tags that construct objects are not allowed ({what.split('for the tag')[-1].strip()})"
        elif exc.context:
            what = f"{exc.context}: {what}" if "found" in what else what
        if _tab_before(text, mark):
            what = "a tab character is used for indentation; YAML needs spaces"
        raise FactsError([Problem(file, line, "", f"invalid YAML: {what}")]) from None
    except yaml.YAMLError as exc:
        line, reason = None, str(exc).split("\n")[0]
        if isinstance(exc, yaml.reader.ReaderError):
            char = exc.character if isinstance(exc.character, int) else ord(exc.character)
            line = text[: exc.position].count("\n") + 1
            reason = f"control character U+{char:04X} is not allowed"
        raise FactsError([Problem(file, line, "", f"invalid YAML: {reason}")]) from None
    except RecursionError:  # the pure-Python parser, where libyaml's own depth limit is missing
        raise FactsError([Problem(file, None, "", "lists and mappings are nested too deeply")]) from None
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor refusing an explicit tag's value
        raise FactsError([Problem(file, None, "", f"invalid YAML value: {exc}")]) from None
    finally:
        loader.dispose()
    return data, LineMap(root)


def load_file(path: Path) -> tuple[Any, LineMap, str]:
    """Read a facts file: bytes → UTF-8 → YAML, with the raw text kept for hashing."""
    file = str(path)
    text = decode(read_facts_bytes(path), file)
    parsed, lines = load_text(text, file)
    return parsed, lines, text


def load_data_file(path: Path) -> Any:
    """Load one of the project's own data files (catalogs, questionnaires)."""
    with open(path, "rb") as fh:
        return yaml.load(fh, Loader=DataLoader)  # noqa: S506 - DataLoader is a SafeLoader
