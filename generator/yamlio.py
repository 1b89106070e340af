"""Safe YAML reading: C loader, YAML 1.2 booleans, bounded aliases, lines kept for errors."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import FactsError, Problem, read_facts_bytes

MAX_ALIASES = 50
MAX_EXPANDED_NODES = 20_000
MAX_BYTES = 1_000_000

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FactsLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """SafeLoader that reads only true/false as booleans.

    YAML 1.1 turns `no`, `on`, `yes` into booleans, which would make Norway's
    region id `no` a `False`; facts files follow YAML 1.2 here.
    """


FactsLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}
FactsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


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


def _check_structure(root: yaml.Node, file: str) -> list[Problem]:
    """Reject duplicate keys and alias bombs before any Python object is built."""
    problems: list[Problem] = []
    aliases = 0
    sizes: dict[int, int] = {}
    seen: set[int] = set()

    def expanded_size(node: yaml.Node) -> int:
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
                    if key_node.value in keys:
                        problems.append(Problem(file, line, str(key_node.value),
                                                f"duplicate key (first given on line {keys[key_node.value]})"))
                    keys.setdefault(key_node.value, line)
                size += expanded_size(key_node) + expanded_size(value_node)
        elif isinstance(node, yaml.SequenceNode):
            size += sum(expanded_size(item) for item in node.value)
        sizes[ident] = size
        return size

    try:
        total = expanded_size(root)
    except RecursionError:
        return [Problem(file, None, "", "recursive YAML aliases are not allowed")]
    if aliases > MAX_ALIASES or total > MAX_EXPANDED_NODES:
        problems.append(Problem(file, None, "",
                                f"too many YAML aliases: the document expands to {total} nodes "
                                f"through {aliases} aliases (limits: {MAX_EXPANDED_NODES} nodes, {MAX_ALIASES} aliases)"))
    return problems


def decode(data: bytes, file: str) -> str:
    if len(data) > MAX_BYTES:
        raise FactsError([Problem(file, None, "", f"file is too large ({len(data)} bytes; at most {MAX_BYTES})")])
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
        return yaml.load(fh, Loader=FactsLoader)  # noqa: S506 - FactsLoader is a SafeLoader
