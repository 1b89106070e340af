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

    def __init__(self, _law: str, _facts: str | dict[str, str | list[str]] | None = None, /, **attributes: Any):
        super().__init__(_facts, **attributes)
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
                recorder.record("law", law)
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
                recorder.record("law", law)
            yield profile

    def items(self):
        recorder = _ACTIVE.get()
        for law, profile in self._profiles.items():
            if recorder is not None:
                recorder.record("law", law)
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


class Recorder:
    """Collects what a template reads, chunk by chunk, while `policygen explain` renders.

    `pending` holds what was read since the last chunk was emitted. `if` and `for` statements open
    a capture around their test or iterable and then a scope over their body, so every chunk the body
    emits, and only those, carries what decided it (generator/recording.py writes those calls into the compiled code).
    `{% set %}` binds what its value read to the variable, and every later read of the variable adds it.
    """

    def __init__(self) -> None:
        self.pending: dict[Access, None] = {}
        # While a test, an iterable or a set value is evaluated, its reads go to its capture, not to
        # `pending`: they belong to the body or the variable, not to whatever is output next.
        self.captures: list[dict[Access, None]] = []
        self.chains: list[dict[Access, None]] = []
        self.scopes: list[dict[Access, None]] = []
        self.bindings: dict[str, dict[Access, None]] = {}

    def reset(self) -> None:
        self.__init__()

    # -- reads
    def record(self, kind: str, key: str) -> None:
        access = (kind, key)
        if self.captures:
            for capture in self.captures:
                capture[access] = None
        else:
            self.pending[access] = None

    def record_many(self, accesses: Iterable[Access]) -> None:
        for kind, key in accesses:
            self.record(kind, key)

    def saw(self, obj: Any, attribute: Any, value: Any) -> None:
        """One attribute or item read by a template: what does it state?"""
        if isinstance(obj, FactNS) and isinstance(attribute, str):
            if isinstance(obj, LawNS):
                self.record("law", obj._law)
                citation = obj.__dict__.get("citation")
                if isinstance(citation, str) and citation:
                    self.record("cite", citation)
            for key in obj.facts_keys(attribute):
                self.record("fact", key)
        elif isinstance(obj, LawSet) and value is not None and isinstance(attribute, str):
            if attribute in obj._profiles:
                self.record("law", attribute)

    # -- chunks
    def take(self) -> dict[Access, None]:
        """What the chunk being emitted now depends on: the reads since the last chunk, and every open scope."""
        accesses = self.pending
        self.pending = {}
        for scope in self.scopes:
            accesses.update(scope)
        return accesses

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
