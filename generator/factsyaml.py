"""Writing a facts file a person can read: contract order, one comment per key, flow lists.

Keys come out in the order of the facts model's fields (the contract order), each one
under a comment (the question that asked for it, or the model's description). Scalars
go through yaml.safe_dump, so whatever is written reads back as the same value with the
project's YAML 1.2 loader.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any, Callable

import yaml
from pydantic import BaseModel

from generator import facts as facts_model
from generator.questionnaire import _submodel
from generator.yamlio import TypedText, YamlDate, YamlFloat, YamlInt

FLOW_WIDTH = 88
HEADER = (
    "# Facts for policygen, written by `policygen init`.\n"
    "# Edit this file by hand, or re-run `policygen init --from FILE -o FILE` to change answers.\n"
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes a number read from a facts file exactly as it was typed."""


def _as_typed(dumper: yaml.SafeDumper, value) -> yaml.ScalarNode:
    tag = "tag:yaml.org,2002:int" if isinstance(value, int) else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, value.yaml_text)


_Dumper.add_representer(YamlInt, _as_typed)
_Dumper.add_representer(YamlFloat, _as_typed)
_Dumper.add_representer(YamlDate, lambda dumper, value: dumper.represent_date(dt.date(value.year, value.month, value.day)))
_Dumper.add_representer(TypedText, lambda dumper, value: dumper.represent_str(str(value)))


def _dump(value: Any, **options) -> str:
    return yaml.dump(value, Dumper=_Dumper, allow_unicode=True, width=math.inf, default_flow_style=True, **options)


def _scalar(value: Any) -> str:
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    if isinstance(value, dt.datetime):
        value = value.date()
    text = _dump(value)
    return text.removesuffix("\n").removesuffix("\n...").rstrip("\n")


def _flow(value: Any) -> str:
    return _dump(value, sort_keys=False).rstrip("\n")


def _first_sentence(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def _ordered(data: dict, model: type[BaseModel] | None) -> list[str]:
    """The model's field order first, then any other keys as they came."""
    order = list(model.model_fields) if model else []
    return [k for k in order if k in data] + [k for k in data if k not in order]


def dump(data: dict, comment: Callable[[tuple], str | None] = lambda key: None) -> str:
    """Facts as tidy YAML. `comment(key)` gives the question text for a key, if one asked for it."""
    lines: list[str] = [HEADER.rstrip("\n")]
    _mapping(data, facts_model.Facts, (), 0, lines, comment)
    return "\n".join(lines) + "\n"


def _comment_for(key: tuple, model: type[BaseModel] | None, comment: Callable) -> str | None:
    text = comment(key)
    if text is None and model is not None and key[-1] in model.model_fields:
        text = _first_sentence(model.model_fields[key[-1]].description)
    return " ".join(text.split()) if text else None


def _mapping(data: dict, model: type[BaseModel] | None, prefix: tuple, indent: int, lines: list[str],
             comment: Callable) -> None:
    pad = " " * indent
    for name in _ordered(data, model):
        key = prefix + (name,)
        value = data[name]
        info = model.model_fields.get(name) if model else None
        if indent == 0:
            lines.append("")
        text = _comment_for(key, model, comment)
        if text:
            lines.append(f"{pad}# {text}")
        label = _scalar(name)
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{label}:")
            sub = _submodel(info.annotation) if info is not None else None
            _mapping(value, sub, key, indent + 2, lines, comment)
        elif isinstance(value, list):
            flow = _flow(value)
            if len(pad) + len(label) + 2 + len(flow) <= FLOW_WIDTH or not value:
                lines.append(f"{pad}{label}: {flow}")
            else:
                lines.append(f"{pad}{label}:")
                for item in value:
                    shown = _flow(item) if isinstance(item, (dict, list)) else _scalar(item)
                    lines.append(f"{pad}  - {shown}")
        else:
            lines.append(f"{pad}{label}: {_scalar(value)}")
