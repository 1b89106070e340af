"""The questionnaire behind `policygen init`: which question asks for which fact, and when.

`questionnaires/mining.yaml` only says how to ask (order, prompt, kind, conditions);
the type, help line, allowed values and validation of every answer come from the facts
model, so a typed answer is checked by the same validators, with the same messages, as a
facts file. No I/O beyond reading the questionnaire: the prompts live in interview.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Union

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from generator import catalog, facts as facts_model
from generator.errors import PolicygenError
from generator.resources import QUESTIONNAIRES_DIR
from generator.yamlio import load_data_file

QUESTIONNAIRE = QUESTIONNAIRES_DIR / "mining.yaml"
KINDS = ("text", "confirm", "select", "checkbox", "number", "date", "email", "url", "records")
OTHER = "__other__"  # the "Other…" choice; never stored
MISSING = object()   # an answer that leaves the fact out of the file


class QuestionnaireError(PolicygenError):
    """The questionnaire file itself is wrong: a bug in the project, not in the answers."""


# --- the facts model, seen as key paths ------------------------------------------------

def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types inside Annotated[...], Union[...], X | None and list[...]."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _unwrap(arg)]
    return [annotation]


def _submodel(annotation: Any) -> type[BaseModel] | None:
    models = [t for t in _unwrap(annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
    return models[0] if models else None


def _list_item(annotation: Any) -> Any | None:
    for t in _unwrap(annotation):
        if typing.get_origin(t) is list:
            return typing.get_args(t)[0]
    return None


def literal_ids(annotation: Any) -> list[str]:
    """The ids a field (or each item of a list field) may take, in the model's order."""
    item = _list_item(annotation)
    ids: list[str] = []
    for t in _unwrap(item if item is not None else annotation):
        if typing.get_origin(t) is Literal:
            ids.extend(a for a in typing.get_args(t) if isinstance(a, str))
    return ids


def field_info(key: tuple[str, ...], model: type[BaseModel] = facts_model.Facts) -> FieldInfo:
    """The pydantic field behind a dotted facts key such as ('audience', 'minimum_age')."""
    info = None
    for depth, part in enumerate(key):
        if model is None or part not in model.model_fields:
            raise KeyError(".".join(key))
        info = model.model_fields[part]
        model = _submodel(info.annotation) if depth < len(key) - 1 else None
    assert info is not None
    return info


def is_key(key: tuple[str, ...]) -> bool:
    try:
        field_info(key)
    except KeyError:
        return False
    return True


def required_keys(model: type[BaseModel] = facts_model.Facts, prefix: tuple = ()) -> list[tuple[str, ...]]:
    """Every key a valid facts file must give: required fields, recursively in required sub-models."""
    keys = []
    for name, info in model.model_fields.items():
        if not info.is_required():
            continue
        sub = _submodel(info.annotation)
        if sub is not None and _list_item(info.annotation) is None:
            keys.extend(required_keys(sub, prefix + (name,)))
        else:
            keys.append(prefix + (name,))
    return keys


def model_default(key: tuple[str, ...]) -> Any:
    """What the model assumes when a file leaves the key out (None for required keys)."""
    info = field_info(key)
    if info.is_required():
        return None
    value = info.get_default(call_default_factory=True)
    return value.model_dump() if isinstance(value, BaseModel) else value


@functools.cache
def _adapter(annotation: Any, metadata: tuple) -> TypeAdapter:
    return TypeAdapter(typing.Annotated[(annotation, *metadata)] if metadata else annotation)


def _without_none(annotation: Any) -> Any:
    """`X | None` → X: an answer that is given must be a valid X."""
    if typing.get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def validate_value(info: FieldInfo, key: tuple, value: Any) -> str | None:
    """None when `value` is valid for the field, else the message file validation would give."""
    adapter = _adapter(_without_none(info.annotation), tuple(info.metadata))
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        messages = []
        for error in exc.errors(include_url=False):
            path = key + facts_model._clean_path(error["loc"])
            message = facts_model._message(error, path)
            # An item of a list is named by its value in the message ("got \"jpx\""), not its index.
            inner = tuple(p for p in path[len(key):] if not isinstance(p, int))
            where = facts_model._path_text(inner)
            messages.append(f"{where}: {message}" if where else message)
        return "; ".join(dict.fromkeys(messages))
    return None


# --- answers: a nested mapping shaped like a facts file ----------------------------------

def get(data: dict, key: tuple, default: Any = MISSING) -> Any:
    for part in key:
        if not isinstance(data, dict) or part not in data:
            return default
        data = data[part]
    return data


def put(data: dict, key: tuple, value: Any) -> None:
    """Set a fact, or remove it (and any section it leaves empty) for MISSING."""
    if value is MISSING:
        parents = [data]
        for part in key[:-1]:
            data = data.get(part) if isinstance(data, dict) else None
            if not isinstance(data, dict):
                return
            parents.append(data)
        data.pop(key[-1], None)
        for parent, part in zip(reversed(parents[:-1]), reversed(key[:-1])):
            if parent.get(part) == {}:
                del parent[part]
        return
    for part in key[:-1]:
        if not isinstance(data.get(part), dict):
            data[part] = {}
        data = data[part]
    data[key[-1]] = value


def current(answers: dict, key: tuple) -> Any:
    """The value a condition sees: the answer, or the model's default when there is none."""
    value = get(answers, key)
    return model_default(key) if value is MISSING else value


# --- conditions: a small expression language, parsed here, never eval'd ----------------

_TOKEN = re.compile(r"\s*(?:(\()|(\))|(==|!=)|\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_][A-Za-z0-9_.\-]*))")
_WORD_OPS = ("has", "lacks", "overlaps", "outside")


def _restricted(answers: dict) -> bool:
    """Mirror of facts.restricted_transfers on the answers given so far."""
    vendor = current(answers, ("kyc", "vendor"))
    if isinstance(vendor, dict):
        vendor = types.SimpleNamespace(name=vendor.get("name"), country=vendor.get("country"))
    view = types.SimpleNamespace(
        audience=types.SimpleNamespace(regions=current(answers, ("audience", "regions")) or [],
                                       exclude_regions=current(answers, ("audience", "exclude_regions")) or [],
                                       ccpa_business=current(answers, ("audience", "ccpa_business"))),
        company=types.SimpleNamespace(country=current(answers, ("company", "country")) or "global"),
        data_regions=current(answers, ("data_regions",)) or [],
        kyc=types.SimpleNamespace(enabled=vendor not in ("none", None), vendor=vendor,
                                  storage_region=current(answers, ("kyc", "storage_region"))),
        analytics=[], group_companies=[], transfer_safeguards=[],
    )
    return bool(facts_model.restricted_transfers(view))


# Named conditions computed by the facts module, with the keys they read (asked before them).
PREDICATES: dict[str, tuple[Callable[[dict], bool], tuple[tuple, ...]]] = {
    "transfers_restricted": (_restricted, (("company", "country"), ("audience", "regions"), ("data_regions",),
                                           ("kyc", "vendor"), ("kyc", "storage_region"))),
}


def _truthy(value: Any) -> bool:
    return isinstance(value, dict) or value not in (None, False, "", [], MISSING)


def _region_overlaps(listed: Any, region: str) -> bool:
    regions = catalog.load()
    items = listed if isinstance(listed, list) else [listed]
    return any(isinstance(r, str) and r in regions.regions
               and (regions.region_within(r, region) or regions.region_within(region, r)) for r in items)


@dataclass(frozen=True)
class Condition:
    text: str
    tree: tuple
    keys: tuple[tuple, ...]   # the facts keys it reads

    def __call__(self, answers: dict) -> bool:
        return _evaluate(self.tree, answers)


def _evaluate(node: tuple, answers: dict) -> bool:
    op = node[0]
    if op == "or":
        return _evaluate(node[1], answers) or _evaluate(node[2], answers)
    if op == "and":
        return _evaluate(node[1], answers) and _evaluate(node[2], answers)
    if op == "not":
        return not _evaluate(node[1], answers)
    if op == "predicate":
        return PREDICATES[node[1]][0](answers)
    value = current(answers, node[1])
    if op == "set":
        return _truthy(value)
    target = node[2]
    if op == "==":
        return value == target
    if op == "!=":
        return value != target
    if op == "has":
        return isinstance(value, list) and target in value
    if op == "lacks":
        return not (isinstance(value, list) and target in value)
    if op == "overlaps":
        return _region_overlaps(value, target)
    if op == "outside":
        return isinstance(value, str) and not _region_overlaps(value, target)
    raise AssertionError(op)


def parse_condition(text: str) -> Condition:
    """`kyc.vendor != none and (audience.regions overlaps eea or not contact.dpo_email)`."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = str(text)
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if not match:
            raise QuestionnaireError(f"condition {text!r}: cannot read {text[pos:].strip()!r}")
        pos = match.end()
        if match.group(1) or match.group(2):
            tokens.append(("paren", match.group(1) or match.group(2)))
        elif match.group(3):
            tokens.append(("op", match.group(3)))
        elif match.group(4) is not None or match.group(5) is not None:
            tokens.append(("value", match.group(4) if match.group(4) is not None else match.group(5)))
        else:
            word = match.group(6)
            kind = "op" if word in _WORD_OPS else "keyword" if word in ("and", "or", "not") else "word"
            tokens.append((kind, word))
    keys: list[tuple] = []
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(kind: str | None = None, value: str | None = None) -> tuple[str, str]:
        nonlocal position
        token = peek()
        if token is None or (kind and token[0] != kind) or (value and token[1] != value):
            wanted = value or kind or "more"
            raise QuestionnaireError(f"condition {text!r}: expected {wanted}, got {token[1] if token else 'the end'}")
        position += 1
        return token

    def disjunction() -> tuple:
        node = conjunction()
        while peek() == ("keyword", "or"):
            take()
            node = ("or", node, conjunction())
        return node

    def conjunction() -> tuple:
        node = negation()
        while peek() == ("keyword", "and"):
            take()
            node = ("and", node, negation())
        return node

    def negation() -> tuple:
        if peek() == ("keyword", "not"):
            take()
            return ("not", negation())
        if peek() == ("paren", "("):
            take()
            node = disjunction()
            take("paren", ")")
            return node
        word = take("word")[1]
        following = peek()
        if word in PREDICATES and (following is None or following[0] != "op"):
            keys.extend(PREDICATES[word][1])
            return ("predicate", word)
        key = tuple(word.split("."))
        if not is_key(key):
            raise QuestionnaireError(f"condition {text!r}: {word} is not a facts key")
        keys.append(key)
        if following is None or following[0] != "op":
            return ("set", key)
        op = take("op")[1]
        token = peek()
        if token is None or token[0] not in ("word", "value"):
            raise QuestionnaireError(f"condition {text!r}: {op} needs a value")
        take()
        value: Any = token[1]
        if token[0] == "word" and value in ("true", "false"):
            value = value == "true"
        elif token[0] == "word" and value.isdigit():
            value = int(value)
        return (op, key, value)

    tree = disjunction()
    if peek() is not None:
        raise QuestionnaireError(f"condition {text!r}: unexpected {peek()[1]!r}")
    return Condition(text, tree, tuple(dict.fromkeys(keys)))


# --- questions -------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    key: tuple[str, ...]
    prompt: str
    kind: str
    help: str
    info: FieldInfo
    when: Condition | None = None
    strict: bool = False          # when false, the fact is dropped even if a file gave it
    choices: tuple[Choice, ...] = ()
    other: str | None = None      # "vendor" or "regions": what "Other…" leads to
    suggest_from: tuple | None = None
    default: Any = None           # for a new file; "today" is the day it is asked
    gate: bool = False            # a yes/no that decides whether an optional section exists
    title: str = ""               # a short name, listed when jumping to a question
    fields: tuple = ()            # for records: the questions asked for each item of the list

    @property
    def name(self) -> str:
        return ".".join(self.key)

    @property
    def optional(self) -> bool:
        return not self.info.is_required()

    @property
    def is_list(self) -> bool:
        return _list_item(self.info.annotation) is not None

    @property
    def region_typed(self) -> bool:
        return literal_ids(self.info.annotation) == list(catalog.load().regions)

    def relevant(self, answers: dict, editing: dict) -> bool:
        """Ask when the condition holds, or (unless strict) when the file being edited gives the fact."""
        if self.when is None or self.when(answers):
            return True
        return not self.strict and get(editing, self.key) is not MISSING

    def validate(self, value: Any) -> str | None:
        if value is MISSING:
            return "is required but missing" if not self.optional else None
        return validate_value(self.info, self.key, value)


@dataclass(frozen=True)
class VendorField:
    name: str
    prompt: str
    kind: str
    info: FieldInfo

    @property
    def optional(self) -> bool:
        return not self.info.is_required()

    def validate(self, value: Any) -> str | None:
        if value is MISSING:
            return "is required but missing" if not self.optional else None
        return validate_value(self.info, (self.name,), value)


@dataclass(frozen=True)
class Questionnaire:
    questions: tuple[Question, ...]
    vendor_fields: tuple[VendorField, ...]
    constants: dict = field(default_factory=dict)
    prompts: dict = field(default_factory=dict)   # the remaining one-off prompts (Other regions, add another)

    def question(self, key: tuple) -> Question | None:
        return next((q for q in self.questions if q.key == key), None)

    def index(self, name: str) -> int | None:
        """The position of the question for a dotted key, in the order asked."""
        return next((i for i, q in enumerate(self.questions) if q.name == name), None)

    def answered(self, answers: dict) -> int:
        """How many questions the answers give a value for (what a draft is worth)."""
        return sum(1 for q in self.questions if get(answers, q.key) is not MISSING)

    def question_for_problem(self, problem_key: str) -> Question | None:
        """The question that asks for the key a validation problem names (`analytics[1].website` → analytics)."""
        path = tuple(p for p in re.split(r"\.|\[\d+\]", problem_key) if p)
        whole = path
        while path:
            found = self.question(path)
            if found:
                return found
            path = path[:-1]
        # A missing section (a draft without `company:`): its first question asks for it.
        return next((q for q in self.questions if whole and q.key[: len(whole)] == whole), None)

    def comment(self, key: tuple) -> str | None:
        """The question text that stands above a key in a written facts file."""
        question = self.question(key)
        if question:
            return question.prompt
        parent = self.question(key[:-1])
        if parent is not None and parent.other == "vendor":
            return next((f.prompt for f in self.vendor_fields if f.name == key[-1]), None)
        return None


def _choices(spec: dict, key: tuple, info: FieldInfo) -> tuple[Choice, ...]:
    ids = literal_ids(info.annotation)
    labels = dict(spec.get("labels") or {})
    source = spec.get("catalog")
    entries = getattr(catalog.load(), source) if source else {}
    shown = spec.get("only") or ids
    for value in list(labels) + list(shown):
        if value not in ids:
            raise QuestionnaireError(f"{'.'.join(key)}: choice {value!r} is not allowed by the facts model")
    choices = []
    for value in shown:
        if value in labels:
            label = labels[value]
        elif value in entries:
            label = entries[value]["name"] + (f" ({value})" if source == "regions" else "")
        else:
            raise QuestionnaireError(f"{'.'.join(key)}: choice {value!r} has no label and is in no catalog")
        choices.append(Choice(value, label))
    return tuple(choices)


def _title_from_key(key: tuple) -> str:
    text = " ".join(part.replace("_", " ") for part in key)
    return text[:1].upper() + text[1:]


def _record_fields(entry: dict, key: tuple, info: FieldInfo) -> tuple:
    """The per-item questions of a list of mappings (such as group_companies), typed by the item's model."""
    item = _list_item(info.annotation)
    if not (isinstance(item, type) and issubclass(item, BaseModel)):
        raise QuestionnaireError(f"{'.'.join(key)}: records needs a list of mappings in the facts model")
    fields = []
    for spec in entry.get("fields") or ():
        if spec["field"] not in item.model_fields:
            raise QuestionnaireError(f"{'.'.join(key)}: {spec['field']} is not a field of its items")
        fields.append(VendorField(spec["field"], str(spec["prompt"]).strip(), spec.get("kind", "text"),
                                  item.model_fields[spec["field"]]))
    missing = [name for name, f in item.model_fields.items() if f.is_required() and name not in {x.name for x in fields}]
    if missing:
        raise QuestionnaireError(f"{'.'.join(key)}: records must ask for {', '.join(missing)}")
    return tuple(fields)


def load(path: Path = QUESTIONNAIRE) -> Questionnaire:
    return _load(path)


@functools.cache
def _load(path: Path) -> Questionnaire:
    data = load_data_file(path)
    questions: list[Question] = []
    asked: set[tuple] = set(tuple(k.split(".")) for k in data.get("constants", {}))
    for entry in data["questions"]:
        key = tuple(str(entry["key"]).split("."))
        try:
            info = field_info(key)
        except KeyError:
            raise QuestionnaireError(f"{path}: {entry['key']} is not a facts key") from None
        kind = entry["kind"]
        if kind not in KINDS:
            raise QuestionnaireError(f"{path}: {entry['key']}: unknown kind {kind!r}")
        when = parse_condition(entry["when"]) if "when" in entry else None
        for read in when.keys if when else ():
            if not any(read[: len(a)] == a or a[: len(read)] == read for a in asked):
                raise QuestionnaireError(f"{path}: {entry['key']}: condition reads {'.'.join(read)}, which is asked later")
        choices = _choices(entry.get("choices") or {}, key, info) if kind in ("select", "checkbox") else ()
        gate = kind == "confirm" and _submodel(info.annotation) is not None
        questions.append(Question(
            key=key, prompt=str(entry["prompt"]).strip(), kind=kind,
            help=" ".join((info.description or "").split()), info=info, when=when,
            strict=bool(entry.get("strict", False)), choices=choices, other=entry.get("other"),
            suggest_from=tuple(entry["suggest_from"].split(".")) if "suggest_from" in entry else None,
            default=entry.get("default"), gate=gate,
            title=str(entry.get("title") or _title_from_key(key)).strip(),
            fields=_record_fields(entry, key, info) if kind == "records" else (),
        ))
        asked.add(key)
    vendor_model = facts_model.CustomVendor
    vendor_fields = tuple(
        VendorField(v["field"], str(v["prompt"]).strip(), v.get("kind", "text"), vendor_model.model_fields[v["field"]])
        for v in data["custom_vendor"])
    return Questionnaire(tuple(questions), vendor_fields, dict(data.get("constants", {})), dict(data.get("prompts", {})))


# --- typed text ↔ stored values ----------------------------------------------------------

@functools.cache
def _region_names() -> dict[str, str]:
    regions = catalog.load().regions
    return {entry["name"].lower(): rid for rid, entry in regions.items() if "alias_of" not in entry}


def region_id(text: str) -> str:
    """Accept a region's name as well as its id ('Germany' → 'de'); anything else is left for validation."""
    lowered = text.strip().lower()
    if lowered in catalog.load().regions:
        return lowered
    return _region_names().get(lowered, text.strip())


def from_text(kind: str, text: str, optional: bool, regions: bool = False, flag_when_empty: bool = False) -> Any:
    """What a typed answer means as a fact: MISSING for an empty optional answer."""
    text = text.strip()
    if not text:
        if flag_when_empty:
            return False
        return MISSING if optional else ""
    if kind == "number":
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else text
    if regions:
        return region_id(text)
    return text


def to_text(value: Any) -> str:
    """The default shown in a text prompt for a stored value."""
    if value is MISSING or value is None or value is False:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def flag_or_text(question: Question) -> bool:
    """A fact such as automated_decisions: false, or a sentence describing what is true."""
    return any(t is bool for t in _unwrap(question.info.annotation))


def summary(value: Any, width: int = 40) -> str:
    """An answer in a few words, for the list of questions to jump to."""
    if value is MISSING or value is None:
        text = "(not given)"
    elif value is True or value is False:
        text = "yes" if value else "no"
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, dict):
        text = str(value.get("name") or "(given)")
    elif isinstance(value, list):
        text = ", ".join(summary(v, width) for v in value) or "(none)"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def split_ids(text: str) -> list[str]:
    return [region_id(part) for part in re.split(r"[,\s]+", text) if part.strip()]


def initial_answers(questionnaire: Questionnaire, editing: dict | None) -> dict:
    answers = copy.deepcopy(editing) if editing else {}
    for dotted, value in questionnaire.constants.items():
        put(answers, tuple(dotted.split(".")), value)
    return answers
