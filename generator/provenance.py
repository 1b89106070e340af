"""Where each piece of a policy comes from: view objects that know their facts keys and laws.

The view (generator/view.py) is built from these classes:

- `FactNS` is a `types.SimpleNamespace` that also knows which facts key each attribute states:
  `FactNS(_facts="company", name=...)` maps every attribute `x` to `company.x`;
  `FactNS(_facts={"name": "company.brand"}, name=..., slug=...)` maps only the attributes named
  (a value may be a list of keys); attributes it does not map state no facts key.
- `LawNS` is a `FactNS` that belongs to one law's profile (its rights, deadlines, complaint route...).
  Reading any of its attributes records its law id, and its `citation` attribute, if it has one.
- `LawSet` holds the laws that apply, `{law_id: profile}`. Templates ask it `p.laws.gdpr` (the profile,
  or None when the GDPR does not apply), `'gdpr' in p.laws`, `p.laws.any('gdpr', 'uk_gdpr')`,
  `for law in p.laws`, `p.laws.ids`. Every positive answer records that law id.

Nothing here costs anything while a policy is built: these are plain namespaces, and the reads are
recorded by the recording Jinja environment (generator/recording.py) that only `policygen explain` uses,
through the `Recorder` that is active in the current context.
"""

from __future__ import annotations

import contextlib
import functools
import contextvars
from types import SimpleNamespace
from typing import Any, Iterable, Iterator

# What a Recorder collects: ("fact", "kyc.vendor"), ("law", "gdpr") or ("cite", "Art. 15 GDPR").
Access = tuple[str, str]

_ACTIVE: contextvars.ContextVar["Recorder | None"] = contextvars.ContextVar("policygen_recorder", default=None)


def active() -> "Recorder | None":
    """The recorder collecting reads in this context, or None (the normal, unrecorded render)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def recording(recorder: "Recorder") -> Iterator["Recorder"]:
    token = _ACTIVE.set(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.reset(token)


def _rebuild(cls, facts, state):
    obj = cls.__new__(cls)
    object.__setattr__(obj, "_facts", facts)
    obj.__dict__.update(state)
    return obj


class FactNS(SimpleNamespace):
    """A SimpleNamespace whose attributes state facts keys (see the module docstring)."""

    __slots__ = ("_facts",)

    def __init__(self, _facts: str | dict[str, str | list[str]] | None = None, /, **attributes: Any):
        # FactNS("company", ...) and FactNS(_facts="company", ...) are the same.
        _facts = attributes.pop("_facts", _facts)
        super().__init__(**attributes)
        object.__setattr__(self, "_facts", _facts)

    def facts_keys(self, attribute: str) -> tuple[str, ...]:
        """The facts keys that attribute states: () when it states none."""
        facts = self._facts
        if isinstance(facts, str):
            return (f"{facts}.{attribute}",)
        if isinstance(facts, dict):
            keys = facts.get(attribute)
            if keys is None:
                return ()
            return (keys,) if isinstance(keys, str) else tuple(keys)
        return ()

    def __reduce__(self):
        return (_rebuild, (type(self), self._facts, dict(self.__dict__)))

    def __copy__(self):
        return _rebuild(type(self), self._facts, dict(self.__dict__))


class LawNS(FactNS):
    """A FactNS that belongs to one law's profile: reading it records the law (and its citation)."""

    __slots__ = ("_law",)

    def __init__(self, _law: str | None = None, _facts: str | dict[str, str | list[str]] | None = None, /,
                 **attributes: Any):
        _law = attributes.pop("_law", _law)
        if not isinstance(_law, str):
            raise TypeError("LawNS needs the id of its law: LawNS('gdpr', ...) or LawNS(_law='gdpr', ...)")
        super().__init__(attributes.pop("_facts", _facts), **attributes)
        object.__setattr__(self, "_law", _law)

    @property
    def law_id(self) -> str:
        return self._law

    @classmethod
    def from_data(cls, law: str, data: Any) -> Any:
        """Catalog data (mappings and lists, as read from YAML) as LawNS objects of one law, all the way down."""
        if isinstance(data, dict):
            return cls(law, None, **{str(k): cls.from_data(law, v) for k, v in data.items()})
        if isinstance(data, (list, tuple)):
            return [cls.from_data(law, v) for v in data]
        return data

    def __reduce__(self):
        return (_rebuild_law, (type(self), self._law, self._facts, dict(self.__dict__)))

    def __copy__(self):
        return _rebuild_law(type(self), self._law, self._facts, dict(self.__dict__))


def _rebuild_law(cls, law, facts, state):
    obj = _rebuild(cls, facts, state)
    object.__setattr__(obj, "_law", law)
    return obj


class LawIds(tuple):
    """The ids of the laws that apply; a positive `in` test records the law."""

    def __contains__(self, law: object) -> bool:
        found = tuple.__contains__(self, law)
        if found:
            recorder = _ACTIVE.get()
            if recorder is not None:
                recorder.record("law", law)
        return found

    def __iter__(self):
        recorder = _ACTIVE.get()
        for law in tuple.__iter__(self):
            if recorder is not None:
                recorder.iterated(law)
            yield law


class LawSet:
    """The laws that apply to a policy, each with its profile, in catalog order."""

    __slots__ = ("_profiles", "_known")

    def __init__(self, profiles: dict[str, Any] | None = None, known: Iterable[str] | None = None):
        object.__setattr__(self, "_profiles", dict(profiles or {}))
        # With `known` (every law id of the catalog), asking for an unknown law is an error, not a silent None.
        object.__setattr__(self, "_known", frozenset(known) if known is not None else None)

    def __getattr__(self, law: str) -> Any:
        if law.startswith("__"):
            raise AttributeError(law)
        profile = self._profiles.get(law)
        if profile is None and self._known is not None and law not in self._known:
            raise AttributeError(f"no law {law!r} in the catalog")
        if profile is not None:
            recorder = _ACTIVE.get()
            if recorder is not None:
                recorder.record("law", law)
        return profile

    def __setattr__(self, name, value):
        raise AttributeError("a LawSet is read-only")

    def __getitem__(self, law: str) -> Any:
        profile = self._profiles[law]
        recorder = _ACTIVE.get()
        if recorder is not None:
            recorder.record("law", law)
        return profile

    def __contains__(self, law: object) -> bool:
        found = law in self._profiles
        if found:
            recorder = _ACTIVE.get()
            if recorder is not None:
                recorder.record("law", law)
        return found

    def any(self, *laws: str) -> bool:
        """Whether one of these laws applies; records each one that does."""
        found = [law for law in laws if law in self._profiles]
        recorder = _ACTIVE.get()
        if recorder is not None:
            for law in found:
                recorder.record("law", law)
        return bool(found)

    def get(self, law: str, default: Any = None) -> Any:
        return self[law] if law in self._profiles else default

    @property
    def ids(self) -> LawIds:
        return LawIds(self._profiles)

    def __iter__(self):
        recorder = _ACTIVE.get()
        for law, profile in self._profiles.items():
            if recorder is not None:
                recorder.iterated(law)
            yield profile

    def items(self):
        recorder = _ACTIVE.get()
        for law, profile in self._profiles.items():
            if recorder is not None:
                recorder.iterated(law)
            yield law, profile

    def __len__(self) -> int:
        return len(self._profiles)

    def __bool__(self) -> bool:
        return bool(self._profiles)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LawSet) and self._profiles == other._profiles

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LawSet({self._profiles!r})"

    def __reduce__(self):
        return (LawSet, (self._profiles, self._known))


_PRIMITIVES = (str, bytes, int, float, bool, type(None))


@functools.cache
def model_keys(model: type) -> tuple[frozenset[str], frozenset[str]]:
    """(leaf keys, section keys) of a pydantic model, dotted: `kyc.vendor` is a leaf (it may be a
    string), `kyc` a section; a key that may be a string or a mapping (a custom vendor) is a leaf and
    its fields are leaves too."""
    import typing  # noqa: PLC0415

    leaves: set[str] = set()
    sections: set[str] = set()

    def models_in(annotation: Any) -> tuple[list[type], bool]:
        found, other = [], False
        stack = [annotation]
        while stack:
            ann = stack.pop()
            args = typing.get_args(ann)
            origin = typing.get_origin(ann)
            if origin is typing.Annotated:
                stack.append(args[0])
            elif args and origin not in (None,):
                if origin in (list, tuple, set, frozenset):
                    stack.extend(args)
                else:  # Union / Optional / Literal
                    if origin is typing.Literal:
                        other = True
                    else:
                        stack.extend(a for a in args if a is not type(None))
            elif isinstance(ann, type) and hasattr(ann, "model_fields"):
                found.append(ann)
            else:
                other = True
        return found, other

    def walk(cls: type, prefix: str) -> None:
        for name, field in cls.model_fields.items():
            key = f"{prefix}{name}"
            models, other = models_in(field.annotation)
            (leaves if other or not models else sections).add(key)
            for sub in models:
                walk(sub, key + ".")

    walk(model, "")
    return frozenset(leaves), frozenset(sections)


def law_owners(view: Any) -> dict[int, tuple[str, ...]]:
    """id() of every object inside the profiles of the view's LawSets -> the laws whose profile holds it.

    So a template that reads a right, a deadline or a complaint route of a profile (pydantic models,
    namespaces, LawNS) records that law, however it reached the object (a loop, a macro argument,
    a merged list of several laws' rights).
    """
    owners: dict[int, tuple[str, ...]] = {}
    attributes = vars(view) if hasattr(view, "__dict__") else {}
    for value in attributes.values():
        if not isinstance(value, LawSet):
            continue
        for law, profile in value._profiles.items():
            stack, seen = [profile], set()
            while stack:
                obj = stack.pop()
                if id(obj) in seen or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
                    continue
                seen.add(id(obj))
                if isinstance(obj, dict):
                    stack.extend(obj.values())
                    continue
                if isinstance(obj, (list, tuple, set, frozenset)):
                    stack.extend(obj)
                    continue
                if law not in owners.get(id(obj), ()):
                    owners[id(obj)] = owners.get(id(obj), ()) + (law,)
                fields = getattr(type(obj), "model_fields", None)
                if fields is not None:
                    stack.extend(getattr(obj, name, None) for name in fields)
                elif hasattr(obj, "__dict__"):
                    stack.extend(vars(obj).values())
    return owners


class Recorder:
    """Collects what a template reads, chunk by chunk, while `policygen explain` renders.

    `log` holds every read in order; `chunk(text)` gives the chunk being output the reads since the
    previous chunk. `if` and `for` statements open a capture around their test or iterable and then a
    scope over their body, so every chunk the body outputs, and only those, carries what decided it
    (generator/recording.py writes those calls into the compiled code). `{% set %}` binds what its value
    read to the variable, and every later read of the variable adds it. A macro's output buffer keeps
    what each of its parts read, so a chunk that is a macro's output is split back into its parts.
    """

    def __init__(self, owners: dict[int, tuple[str, ...]] | None = None, root: Any = None,
                 leaves: frozenset[str] = frozenset(), laws: Iterable[str] = ()) -> None:
        # The ids of the laws that apply: a template's `in` test that finds one records it.
        self.laws = frozenset(laws)
        # The objects of the law profiles that apply, by id(): reading one records its law(s).
        self.owners = owners or {}
        # Where no FactNS says which facts key an attribute states, the path it was read by does
        # when it names one: p.contact.email -> contact.email, p.kyc.vendor.name -> kyc.vendor.
        # Values are kept alive with their path so that no id() is reused while recording.
        self.root, self.leaves = root, leaves
        self.paths: dict[int, tuple[str, Any]] = {id(root): ("", root)} if root is not None else {}
        # Every read outside a capture, in order, and where the current chunk's reads begin.
        self.log: list[Access] = []
        self.taken = 0
        # A macro's output -> (its parts, each with what it read; the log range of the macro's reads).
        self.fragments: dict[str, tuple[list[tuple[str, dict[Access, None]]], int, int]] = {}
        # While a test, an iterable or a set value is evaluated, its reads go to its capture, not to
        # the log: they belong to the body or the variable, not to whatever is output next.
        self.captures: list[dict[Access, None]] = []
        self.chains: list[dict[Access, None]] = []
        self.scopes: list[dict[Access, None]] = []
        self.bindings: dict[str, dict[Access, None]] = {}

    def reset(self) -> None:
        self.__init__(self.owners, self.root, self.leaves, self.laws)

    def _path_key(self, obj: Any, attribute: Any, value: Any) -> None:
        base = self.paths.get(id(obj))
        if base is None or not isinstance(attribute, str):
            return
        path = f"{base[0]}.{attribute}" if base[0] else attribute
        parts = path.split(".")
        for n in range(1, len(parts) + 1):
            key = ".".join(parts[:n])
            if key in self.leaves:
                self.record("fact", key)
                break
        if not isinstance(value, _PRIMITIVES) and id(value) not in self.paths:
            self.paths[id(value)] = (path, value)
            if isinstance(value, (list, tuple)):
                for item in value:
                    if not isinstance(item, _PRIMITIVES) and id(item) not in self.paths:
                        self.paths[id(item)] = (path, item)

    # -- reads
    def record(self, kind: str, key: str) -> None:
        access = (kind, key)
        if self.captures:
            for capture in self.captures:
                capture[access] = None
        else:
            self.log.append(access)

    def record_many(self, accesses: Iterable[Access]) -> None:
        for kind, key in accesses:
            self.record(kind, key)

    def saw(self, obj: Any, attribute: Any, value: Any) -> None:
        """One attribute or item read by a template: what does it state?"""
        if isinstance(obj, FactNS) and obj._facts is not None:
            if isinstance(obj, LawNS):
                self.record("law", obj._law)
            if isinstance(attribute, str):
                for key in obj.facts_keys(attribute):
                    self.record("fact", key)
        elif isinstance(obj, LawSet):
            if value is not None and isinstance(attribute, str) and attribute in obj._profiles:
                self.record("law", attribute)
            return
        else:
            if isinstance(obj, LawNS):
                self.record("law", obj._law)
            if self.paths:
                self._path_key(obj, attribute, value)
        laws = self.owners.get(id(obj))
        if laws:
            for law in laws:
                self.record("law", law)
        if laws or isinstance(obj, LawNS):
            citation = getattr(obj, "citation", None)
            if isinstance(citation, str) and citation:
                self.record("cite", citation)

    def iterated(self, law: str) -> None:
        """A loop reached this law's item: the output that follows, up to the next item, is about it.

        A whole collection turned into a list inside a test or a `set` (`p.laws.ids | list`) is no use
        of each law, so nothing is recorded while a capture is open."""
        if not self.captures:
            self.record("law", law)

    def member(self, item: Any) -> None:
        """A template's `x in y` test was true."""
        if isinstance(item, str) and item in self.laws:
            self.record("law", item)

    # -- chunks
    def scoped(self, accesses: dict[Access, None]) -> dict[Access, None]:
        for scope in self.scopes:
            accesses.update(scope)
        return accesses

    def take(self) -> dict[Access, None]:
        """What the output now depends on: the reads since the last take, and every open scope."""
        since, self.taken = self.taken, len(self.log)
        return self.scoped(dict.fromkeys(self.log[since:]))

    def chunk(self, text: str) -> list[tuple[str, dict[Access, None]]]:
        """The chunk being output, with what it read; a macro's whole output as the macro's own parts."""
        since, self.taken = self.taken, len(self.log)
        return self.split(text, since)

    def split(self, text: str, since: int) -> list[tuple[str, dict[Access, None]]]:
        now = len(self.log)
        # Only output with markup can span several blocks; plain words are left whole.
        fragment = self.fragments.get(text) if "<" in text else None
        if fragment is not None and since <= fragment[1] and fragment[2] <= now:
            parts, start, end = fragment
            # What was read outside the macro (the call's arguments, the loop item) goes to every part.
            extra = self.scoped(dict.fromkeys(self.log[since:start] + self.log[end:now]))
            return [(part, {**accesses, **extra}) for part, accesses in parts]
        return [(text, self.scoped(dict.fromkeys(self.log[since:now])))]

    def fragment(self, value: Any, buffer: Any) -> Any:
        """A macro returns `value`, made of its buffer's parts."""
        if isinstance(buffer, PartsBuffer) and buffer.parts:
            union: dict[Access, None] = {}
            for _, accesses in buffer.parts:
                union.update(accesses)
            # The union goes into the log too, inside the macro's range: output that is not the macro's
            # exact text (a filtered macro call) still carries everything the macro read.
            self.log.extend(a for a in union if a not in dict.fromkeys(self.log[buffer.start:]))
            self.fragments[str(value)] = (buffer.parts, buffer.start, len(self.log))
        return value

    # -- if / for / set, called from the compiled template code
    def open(self) -> None:
        self.captures.append({})

    def close(self) -> dict[Access, None]:
        return self.captures.pop() if self.captures else {}

    def if_open(self) -> None:
        self.chains.append({})
        self.open()

    def if_test(self, value: Any) -> Any:
        if self.chains:
            self.chains[-1].update(self.close())
        self.open()
        return value

    def if_enter(self) -> None:
        self.close()
        self.scopes.append(self.chains.pop() if self.chains else {})

    def leave(self) -> None:
        if self.scopes:
            self.scopes.pop()

    def scope_iter(self, iterable: Any) -> Any:
        self.scopes.append(self.close())
        return iterable

    def bind(self, names: Iterable[str], merge: bool = False) -> None:
        captured = self.close()
        for name in names:
            if merge and name in self.bindings:
                self.bindings[name].update(captured)
            else:
                self.bindings[name] = dict(captured)

    def use(self, name: str, value: Any) -> Any:
        bound = self.bindings.get(name)
        if bound:
            self.record_many(bound)
        return value


class PartsBuffer(list):
    """The output buffer of a macro while recording: it keeps what each appended part read."""

    def __init__(self, recorder: Recorder):
        super().__init__()
        self.recorder = recorder
        self.start = self.mark = len(recorder.log)
        self.parts: list[tuple[str, dict[Access, None]]] = []

    def extend(self, items: Iterable[Any]) -> None:
        """Jinja evaluates all the items of one output statement before it extends the buffer: the reads
        between two macro outputs belong to the items between them, and to the call of the second."""
        items = list(items)
        recorder = self.recorder
        log, now = recorder.log, len(recorder.log)
        found: dict[int, tuple] = {}
        cursor = self.mark
        for i, item in enumerate(items):
            text = str(item)
            fragment = recorder.fragments.get(text) if "<" in text else None
            if fragment is not None and cursor <= fragment[1] and fragment[2] <= now:
                found[i] = fragment
                cursor = fragment[2]
        cursor = self.mark
        for i, item in enumerate(items):
            if i in found:
                parts, start, end = found[i]
                extra = recorder.scoped(dict.fromkeys(log[cursor:start]))
                self.parts.extend((part, {**accesses, **extra}) for part, accesses in parts)
                cursor = end
            else:
                upto = next((found[j][1] for j in sorted(found) if j > i), now)
                self.parts.append((str(item), recorder.scoped(dict.fromkeys(log[cursor:upto]))))
        self.mark = now
        super().extend(items)

    def append(self, item: Any) -> None:
        self.extend((item,))
