"""`policygen init`: the interview in the terminal, drafts on interruption, the command.

Which questions exist, when they apply and what an answer means is questionnaire.py's
job; this module only asks (through questionary), keeps the answers, and writes files.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path
from typing import Any, Callable

EXIT_INTERRUPTED = 130
NOT_A_TERMINAL = (
    "policygen init: stdin is not a terminal, so there is no one to ask; write the facts file "
    "by hand (its keys: `policygen schema`) or run `policygen init --from FACTS.yaml` in a terminal"
)


def cmd_init(args) -> int:
    # Before any heavy import: a pipe or /dev/null must get its answer at once.
    if not sys.stdin.isatty():
        print(NOT_A_TERMINAL, file=sys.stderr)
        return 2
    return run_init(Path(args.output), Path(args.from_file) if args.from_file else None,
                    force=args.force, build_dir=Path(args.build_dir))


# --- the prompts -----------------------------------------------------------------------

class Prompts:
    """questionary prompts under stable ids (the facts key, or key.part for follow-ups)."""

    def __init__(self):
        import questionary  # noqa: PLC0415 - only the interview needs it

        self._q = questionary

    @staticmethod
    def _eof_on_ctrl_d(question):
        """Ctrl-D ends the interview from any prompt, as it does in a text prompt."""
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings  # noqa: PLC0415

        bindings = KeyBindings()

        @bindings.add("c-d", eager=True)
        def _(event):
            event.app.exit(exception=EOFError, style="class:aborting")

        app = question.application
        app.key_bindings = merge_key_bindings([app.key_bindings, bindings]) if app.key_bindings else bindings
        return question

    def note(self, text: str) -> None:
        self._q.print(f"  {text}", style="fg:ansibrightblack")

    def text(self, ident: str, message: str, default: str, validate: Callable[[str], Any],
             optional: bool = False) -> str:
        return self._q.text(message, default=default, validate=validate,
                            instruction="(Enter to leave out)" if optional and not default else None).unsafe_ask()

    def confirm(self, ident: str, message: str, default: bool) -> bool:
        return self._eof_on_ctrl_d(self._q.confirm(message, default=default)).unsafe_ask()

    def select(self, ident: str, message: str, choices: list[tuple[str, str]], default: str | None,
               search: bool = False) -> str:
        """One of the choices; with `search`, typing filters a long list (j and k are then letters)."""
        options = [self._q.Choice(title=label, value=value) for label, value in choices]
        values = [value for _, value in choices]
        return self._eof_on_ctrl_d(self._q.select(
            message, choices=options, default=default if default in values else None,
            use_search_filter=search, use_jk_keys=not search)).unsafe_ask()

    def checkbox(self, ident: str, message: str, choices: list[tuple[str, str, bool]],
                 validate: Callable[[list], Any]) -> list:
        options = [self._q.Choice(title=label, value=value, checked=checked) for label, value, checked in choices]
        return self._eof_on_ctrl_d(self._q.checkbox(message, choices=options, validate=validate)).unsafe_ask()


# --- the interview ---------------------------------------------------------------------

FINISH = "__finish__"  # the jump list's "Finish" choice; never a facts key


class Interview:
    """Asks each relevant question in order; `answers` is always a facts-shaped mapping.

    `position` is the index of the question being asked in that order, so that a draft
    can say where the interview stopped; `resume_at` is where a resumed one goes on.
    """

    def __init__(self, prompts: Prompts, editing: dict | None = None, complete: bool = False,
                 resume_at: int | None = None):
        from generator import questionnaire  # noqa: PLC0415

        self.qn = questionnaire
        self.questionnaire = questionnaire.load()
        self.ui = prompts
        self.editing = editing or {}
        self.new_file = not complete   # suggestions (today's date, age 18) only for a new or partial file
        self.answers = questionnaire.initial_answers(self.questionnaire, self.editing)
        self.asked: list[str] = []
        self.resume_at = self.first_unanswered() if resume_at is None else resume_at
        self.position = 0

    def first_unanswered(self) -> int:
        questions = self.questionnaire.questions
        return next((i for i, q in enumerate(questions) if q.relevant(self.answers, self.editing)
                     and self.qn.get(self.answers, q.key) is self.qn.MISSING), len(questions))

    def run(self, mode: str = "all") -> dict:
        """mode: "all" asks every relevant question, "continue" those from `resume_at` on,
        "jump" only the ones the user picks from a list; then the whole file is validated."""
        if mode == "jump":
            self.position = self.resume_at
            self.jump()
        else:
            start = self.resume_at if mode == "continue" else 0
            for index, question in enumerate(self.questionnaire.questions[start:], start):
                self.position = index
                self.step(question)
            self.position = len(self.questionnaire.questions)
        self.fix_problems()
        return self.answers

    def mode_choices(self, resumed: bool) -> list[tuple[str, str]]:
        prompts = self.questionnaire.prompts
        choices = []
        if resumed:
            questions = self.questionnaire.questions
            if self.resume_at < len(questions):
                label = prompts["mode_continue"].format(title=questions[self.resume_at].title)
            else:
                label = prompts["mode_finish"]
            choices.append((label, "continue"))
        return choices + [(prompts["mode_all"], "all"), (prompts["mode_jump"], "jump")]

    def jump(self) -> None:
        """Pick a question from the list, answer it (and what it newly makes relevant), again until Finish."""
        qn, questions = self.qn, self.questionnaire.questions
        last = None
        while True:
            choices = [(self.questionnaire.prompts["jump_finish"], FINISH)] + [
                (f"{q.title}: {qn.summary(qn.get(self.answers, q.key))}", q.name)
                for q in questions if q.relevant(self.answers, self.editing)]
            picked = self.ui.select("jump", self.questionnaire.prompts["jump"], choices,
                                    last or choices[min(1, len(choices) - 1)][1], search=True)
            if picked == FINISH:
                return
            question = questions[self.questionnaire.index(picked)]
            before = {q.name for q in questions if q.relevant(self.answers, self.editing)}
            qn.put(self.answers, question.key, self.ask(question))
            for follow_up in questions:
                if not follow_up.relevant(self.answers, self.editing):
                    if follow_up.strict:  # as a full run would: the fact no longer applies
                        qn.put(self.answers, follow_up.key, qn.MISSING)
                elif follow_up.name not in before and qn.get(self.answers, follow_up.key) is qn.MISSING:
                    qn.put(self.answers, follow_up.key, self.ask(follow_up))
            last = picked

    def step(self, question) -> None:
        if question.relevant(self.answers, self.editing):
            self.qn.put(self.answers, question.key, self.ask(question))
        elif question.strict:
            self.qn.put(self.answers, question.key, self.qn.MISSING)

    def fix_problems(self) -> None:
        """Rules between answers (a KYC vendor needs documents…) are checked as a file is; re-ask what fails."""
        from generator.errors import FactsError  # noqa: PLC0415
        from generator.facts import validate  # noqa: PLC0415
        from generator.yamlio import LineMap  # noqa: PLC0415

        while True:
            try:
                validate(copy.deepcopy(self.answers), "<answers>", LineMap(None))
                return
            except FactsError as exc:
                problems = exc.problems
            targets = []
            for problem in problems:
                question = self.questionnaire.question_for_problem(problem.key)
                if question is None:
                    raise FactsError([problem])
                self.ui.note(f"{problem.key}: {problem.message}")
                if question not in targets:
                    targets.append(question)
            for question in targets:
                self.qn.put(self.answers, question.key, self.ask(question))

    # -- one question ----------------------------------------------------------------

    def default(self, question) -> Any:
        qn = self.qn
        value = qn.get(self.answers, question.key)
        if value is not qn.MISSING:
            return value
        if question.suggest_from:
            suggested = qn.current(self.answers, question.suggest_from)
            if question.kind == "confirm":
                return qn._truthy(suggested)
            if suggested not in (None, qn.MISSING):
                return [suggested] if question.is_list and not isinstance(suggested, list) else suggested
        if self.new_file and question.default is not None:
            return dt.date.today() if question.default == "today" else question.default
        return qn.model_default(question.key)

    def ask(self, question) -> Any:
        self.asked.append(question.name)
        if question.help:
            self.ui.note(question.help)
        kind = question.kind
        if kind == "confirm":
            return self._confirm(question)
        if kind == "select":
            return self._select(question)
        if kind == "checkbox":
            return self._checkbox(question)
        if kind == "records":
            return self._records(question)
        return self._text(question.name, question.prompt, question.kind, self.default(question), question.validate,
                          optional=question.optional, regions=question.region_typed,
                          flag=self.qn.flag_or_text(question))

    def _text(self, ident, message, kind, default, check, optional, regions=False, flag=False) -> Any:
        qn = self.qn

        def parse(text: str) -> Any:
            value = qn.from_text(kind, text, optional, regions=regions, flag_when_empty=flag)
            if kind == "date" and isinstance(value, str):
                try:
                    return dt.date.fromisoformat(value)
                except ValueError:
                    return value
            if flag and isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            return value

        def validate(text: str):
            return check(parse(text)) or True

        shown = "true" if default is True else qn.to_text(default)
        return parse(self.ui.text(ident, message, shown, validate, optional=optional))

    def _confirm(self, question) -> Any:
        qn = self.qn
        value = qn.get(self.answers, question.key)
        if question.gate:
            keep = self.ui.confirm(question.name, question.prompt, value is not qn.MISSING)
            return (value if isinstance(value, dict) else {}) if keep else qn.MISSING
        if self._may_stay_unset(question):
            # A fact with no default may stay unset: a promise the policy must not make up.
            prompts = self.questionnaire.prompts
            current = self.default(question)
            choices = [(prompts["yes"], True), (prompts["no"], False), (prompts["leave_unset"], qn.MISSING)]
            return self.ui.select(question.name, question.prompt, choices,
                                  current if isinstance(current, bool) else qn.MISSING)
        return self.ui.confirm(question.name, question.prompt, bool(self.default(question)))

    def _may_stay_unset(self, question) -> bool:
        return question.optional and self.qn.model_default(question.key) is None

    def _select(self, question) -> Any:
        qn = self.qn
        current = self.default(question)
        choices = [(c.label, c.value) for c in question.choices]
        if question.other == "vendor":
            choices.append((self.questionnaire.prompts["other_vendor"], qn.OTHER))
        if self._may_stay_unset(question):
            choices.append((self.questionnaire.prompts["leave_unset"], qn.MISSING))
            if current is None:
                current = qn.MISSING
        shown = qn.OTHER if isinstance(current, dict) else current
        picked = self.ui.select(question.name, question.prompt, choices, shown)
        if picked == qn.OTHER:
            return self._vendor(question.name, current if isinstance(current, dict) else None)
        return picked

    def _checkbox(self, question) -> list:
        qn = self.qn
        current = self.default(question)
        current = list(current) if isinstance(current, list) else []
        shown = [c.value for c in question.choices]
        labels = {c.value: c.label for c in question.choices}
        if question.region_typed:
            from generator import catalog  # noqa: PLC0415

            names = catalog.load().regions
            for value in current:  # a region given before is shown, checked, among the choices
                if isinstance(value, str) and value in names and value not in shown:
                    shown.append(value)
                    labels[value] = f"{names[value]['name']} ({value})"
        customs = [v for v in current if isinstance(v, dict)]
        choices = [(labels[v], v, v in current) for v in shown]
        if question.other == "vendor":
            choices.append((self.questionnaire.prompts["other_vendor"], qn.OTHER, bool(customs)))
        elif question.other == "regions":
            choices.append((self.questionnaire.prompts["other_regions_choice"], qn.OTHER, False))

        def validate(selected: list):
            if qn.OTHER in selected:
                return True
            return question.validate(selected) or True

        picked = self.ui.checkbox(question.name, question.prompt, choices, validate)
        other = qn.OTHER in picked
        picked = [v for v in picked if v != qn.OTHER]
        # Keep the order the facts had, so re-running changes nothing that was not changed.
        kept = [v for v in current if (v in picked if not isinstance(v, dict) else other)]
        added = [v for v in picked if v not in kept]
        result = kept + added
        if other and question.other == "regions":
            def check(text) -> str | None:
                return question.validate(result + qn.split_ids(text))
            text = self.ui.text(f"{question.name}.other", self.questionnaire.prompts["other_regions"], "",
                                lambda t: check(t) or True)
            result = result + qn.split_ids(text)
        elif other and question.other == "vendor":
            result = self._vendor_list(question, result)
        return result

    def _vendor_list(self, question, result: list) -> list:
        """Edit each custom provider already listed, then add more while the user wants to."""
        edited = []
        index = 0
        for value in result:
            if isinstance(value, dict):
                value = self._vendor(f"{question.name}[{index}]", value)
                index += 1
            edited.append(value)
        if index == 0:  # "Other…" was just checked: the first provider is asked for straight away
            edited.append(self._vendor(f"{question.name}[0]", None))
            index = 1
        while self.ui.confirm(f"{question.name}.more", self.questionnaire.prompts["more_vendors"], False):
            edited.append(self._vendor(f"{question.name}[{index}]", None))
            index += 1
        return edited

    def _records(self, question) -> Any:
        """A list of mappings: each given item is asked again (Enter keeps it), then more may be added."""
        qn = self.qn
        current = self.default(question)
        items = [dict(i) for i in current if isinstance(i, dict)] if isinstance(current, list) else []
        edited = [self._record(question, f"{question.name}[{index}]", item) for index, item in enumerate(items)]
        prompt = self.questionnaire.prompts["more_records"].format(what=question.prompt)
        while self.ui.confirm(f"{question.name}.more", prompt, False):
            edited.append(self._record(question, f"{question.name}[{len(edited)}]", {}))
        return edited or qn.MISSING

    def _record(self, question, ident: str, existing: dict) -> dict:
        qn = self.qn
        answers = {}
        for field in question.fields:
            value = self._text(f"{ident}.{field.name}", field.prompt, field.kind, existing.get(field.name, qn.MISSING),
                               field.validate, optional=field.optional, regions=field.name == "country")
            if value is not qn.MISSING:
                answers[field.name] = value
        return answers | {k: v for k, v in existing.items() if k not in answers and k not in
                          {f.name for f in question.fields}}

    def _vendor(self, ident: str, existing: dict | None) -> dict:
        qn = self.qn
        existing = existing or {}
        answers = {}
        for field in self.questionnaire.vendor_fields:
            value = self._text(f"{ident}.{field.name}", field.prompt, field.kind, existing.get(field.name, qn.MISSING),
                               field.validate, optional=field.optional, regions=field.name == "country")
            if value is not qn.MISSING:
                answers[field.name] = value
        rest = {k: v for k, v in existing.items() if k not in answers
                and k not in {f.name for f in self.questionnaire.vendor_fields}}
        from generator.facts import CustomVendor  # noqa: PLC0415

        merged = {**answers, **rest}
        return {k: merged[k] for k in CustomVendor.model_fields if k in merged} | {
            k: v for k, v in merged.items() if k not in CustomVendor.model_fields}


# --- the command -----------------------------------------------------------------------

def draft_path(output: Path) -> Path:
    return output.with_name(output.name.removesuffix(output.suffix) + ".draft.yaml")


def load_editing(path: Path) -> tuple[dict, bool]:
    """The facts to edit, and whether they are complete. A draft or a file with mistakes is
    accepted when every problem is one a question will fix; anything else stops here."""
    from generator.errors import FactsError, Problem  # noqa: PLC0415
    from generator.facts import validate  # noqa: PLC0415
    from generator.questionnaire import load  # noqa: PLC0415
    from generator.yamlio import load_file  # noqa: PLC0415

    data, lines, _ = load_file(path)
    if not isinstance(data, dict):
        raise FactsError([Problem(str(path), lines.line(()), "", "must be a YAML mapping of facts (schema_version, company, ...)")])
    try:
        validate(copy.deepcopy(data), str(path), lines)
        return data, True
    except FactsError as exc:
        questionnaire = load()
        blocking = [p for p in exc.problems if not p.key or questionnaire.question_for_problem(p.key) is None]
        if blocking:
            raise FactsError(blocking) from None
        return data, False


def run_init(output: Path, from_file: Path | None = None, *, force: bool = False,
             build_dir: Path = Path("output"), prompts: Prompts | None = None) -> int:
    from generator.errors import UsageError  # noqa: PLC0415

    if output.is_dir():
        raise UsageError(f"-o {output}: is a folder; give the name of the facts file to write")
    editing, complete = load_editing(from_file) if from_file else (None, False)
    draft = draft_path(output)
    resumed = from_file is not None and draft.exists() and from_file.resolve() == draft.resolve()
    offered = None if resumed or not draft.is_file() else _load_draft(draft)
    prompts = prompts or Prompts()
    if from_file and not complete and not resumed:
        print(f"{from_file} is not a complete facts file yet (a draft?): its answers are filled in, "
              "and what is missing or wrong will be asked.")
    try:
        if output.exists() and not force:
            same = from_file is not None and output.resolve() == from_file.resolve()
            if not prompts.confirm("overwrite", f"{output} exists. Replace it when the interview is done?", same):
                print(f"policygen init: {output} left unchanged; choose another file with -o, or pass --force",
                      file=sys.stderr)
                return 1
        if offered is not None and _offer_draft(prompts, draft, offered[0]):
            (editing, complete), resumed = offered, True
    except (KeyboardInterrupt, EOFError) as exc:
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 1
    interview = Interview(prompts, editing, complete, resume_at=_stopped_at(draft) if resumed else None)
    try:
        mode = "all"
        if resumed or from_file is not None:
            choices = interview.mode_choices(resumed)
            mode = prompts.select("mode", interview.questionnaire.prompts["mode"], choices, choices[0][1])
        answers = interview.run(mode)
    except (KeyboardInterrupt, EOFError) as exc:
        return _save_draft(interview, output, 130 if isinstance(exc, KeyboardInterrupt) else 1, resumed)
    facts = _write(interview, answers, output)
    print(f"Wrote {output} ({len(interview.asked)} questions answered).")
    if resumed and draft.exists():
        draft.unlink()  # resumed and finished: the draft is stale
        print(f"Removed the draft {draft}.")
    elif draft.exists():
        print(f"The earlier draft {draft} is still there; delete it if you no longer need it.")
    try:
        if prompts.confirm("build", f"Build the policy now into {build_dir}/?", True):
            return _build(facts, output, build_dir)
    except (KeyboardInterrupt, EOFError) as exc:
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 1
    print(f"Build it later with: policygen build {output}")
    return 0


def _load_draft(draft: Path) -> tuple[dict, bool]:
    """The draft beside the output, to offer; one that cannot be resumed stops init (exit 2)."""
    from generator.errors import FactsError, Problem  # noqa: PLC0415

    try:
        return load_editing(draft)
    except FactsError as exc:
        advice = Problem(str(draft), None, "", "this draft cannot be resumed: fix it, or delete it to start afresh")
        raise FactsError([*exc.problems, advice]) from None


def _offer_draft(prompts: Prompts, draft: Path, data: dict) -> bool:
    from generator.questionnaire import load  # noqa: PLC0415

    questionnaire = load()
    saved = dt.datetime.fromtimestamp(draft.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    message = questionnaire.prompts["resume"].format(date=saved, answers=questionnaire.answered(data))
    return prompts.confirm("resume", message, True)


def _write(interview: Interview, answers: dict, output: Path):
    from generator import factsyaml  # noqa: PLC0415
    from generator.facts import parse  # noqa: PLC0415
    from generator.output import write_text_atomic  # noqa: PLC0415

    text = factsyaml.dump(answers, interview.questionnaire.comment)
    facts = parse(text, str(output))  # what build will read, checked before the file exists
    write_text_atomic(output, text)
    return facts


# The first line of a draft says where the interview stopped; YAML reads it as a comment.
STOPPED = "# policygen init draft: stopped at "


def _stopped_at(draft: Path) -> int | None:
    """The index of the question a draft stopped at, or None (a draft written by hand or before)."""
    from generator.questionnaire import load  # noqa: PLC0415

    try:
        with draft.open(encoding="utf-8", errors="replace") as fh:
            first = fh.readline(200).rstrip("\n")
    except OSError:
        return None
    if not first.startswith(STOPPED):
        return None
    questionnaire = load()
    name = first.removeprefix(STOPPED).strip()
    return len(questionnaire.questions) if name == "the end" else questionnaire.index(name)


def _merged(old: dict, new: dict) -> dict:
    """The old draft's answers with the new ones on top: a key answered in either is kept."""
    merged = copy.deepcopy(old)
    for key, value in new.items():
        merged[key] = _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) \
            else copy.deepcopy(value)
    return merged


def _save_draft(interview: Interview, output: Path, code: int, resumed: bool) -> int:
    """Save the answers so far, but never in place of a draft that holds more of them."""
    from generator import factsyaml  # noqa: PLC0415
    from generator.errors import PolicygenError  # noqa: PLC0415
    from generator.output import write_text_atomic  # noqa: PLC0415
    from generator.yamlio import load_file  # noqa: PLC0415

    draft = draft_path(output)
    questionnaire = interview.questionnaire
    answers, position = interview.answers, interview.position
    if draft.exists():
        try:
            old, _, _ = load_file(draft)
        except PolicygenError:
            old = None
        stopped = _stopped_at(draft)
        if not isinstance(old, dict):
            print(f"\nInterrupted: {draft} cannot be read as a draft, so it is left as it is and "
                  "these answers are not saved.", file=sys.stderr)
            return code
        if resumed:
            answers = _merged(old, answers)
            position = max(position, stopped if stopped is not None else 0)
        elif questionnaire.answered(old) > questionnaire.answered(answers):
            print(f"\nInterrupted: {draft} holds {questionnaire.answered(old)} answers, more than the "
                  f"{questionnaire.answered(answers)} given now, so it is kept as it was.", file=sys.stderr)
            return code
    if not questionnaire.answered(answers):
        print("\nInterrupted before the first answer: there is nothing to save.", file=sys.stderr)
        return code
    where = questionnaire.questions[position].name if position < len(questionnaire.questions) else "the end"
    write_text_atomic(draft, STOPPED + where + "\n" + factsyaml.dump(answers, questionnaire.comment))
    print(f"\nInterrupted: your answers so far ({questionnaire.answered(answers)}) are saved in {draft}.",
          file=sys.stderr)
    print(f"Resume with: policygen init -o {output} (it offers to resume the draft)", file=sys.stderr)
    return code


def _build(facts, output: Path, build_dir: Path) -> int:
    from generator.build import DEFAULT_FORMATS, produce, write_outputs  # noqa: PLC0415
    from generator.errors import PolicygenError  # noqa: PLC0415

    try:
        produced = produce(facts, DEFAULT_FORMATS)
        written = write_outputs(build_dir, Path(output.stem), produced.files)
    except PolicygenError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        print(f"The facts are saved in {output}; build again with: policygen build {output}", file=sys.stderr)
        return exc.exit_code
    print("Your policy:")
    for path in written:
        print(f"  {path}")
    return report_missing(facts, output)


def report_missing(facts, output: Path) -> int:
    """What `policygen check` would report, so nothing missing goes unnoticed."""
    try:
        from generator.check import check  # noqa: PLC0415
    except ImportError:
        return 0
    report = check(facts)
    if not report.missing:
        print("policygen check: every required disclosure is made.")
        return 0
    print("policygen check: these required disclosures are missing:")
    for finding in report.missing:
        print(f"  - {finding.law}: {finding.disclose.rstrip('.')} [{finding.rule_id}]")
        print(f"    fix: {finding.fix}")
    print(f"Change the answers with: policygen init --from {output} -o {output} (or edit it and run policygen check {output})")
    return 0
