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

    def select(self, ident: str, message: str, choices: list[tuple[str, str]], default: str | None) -> str:
        options = [self._q.Choice(title=label, value=value) for label, value in choices]
        values = [value for _, value in choices]
        return self._eof_on_ctrl_d(self._q.select(
            message, choices=options, default=default if default in values else None)).unsafe_ask()

    def checkbox(self, ident: str, message: str, choices: list[tuple[str, str, bool]],
                 validate: Callable[[list], Any]) -> list:
        options = [self._q.Choice(title=label, value=value, checked=checked) for label, value, checked in choices]
        return self._eof_on_ctrl_d(self._q.checkbox(message, choices=options, validate=validate)).unsafe_ask()


# --- the interview ---------------------------------------------------------------------

class Interview:
    """Asks each relevant question in order; `answers` is always a facts-shaped mapping."""

    def __init__(self, prompts: Prompts, editing: dict | None = None, complete: bool = False):
        from generator import questionnaire  # noqa: PLC0415

        self.qn = questionnaire
        self.questionnaire = questionnaire.load()
        self.ui = prompts
        self.editing = editing or {}
        self.new_file = not complete   # suggestions (today's date, age 18) only for a new or partial file
        self.answers = questionnaire.initial_answers(self.questionnaire, self.editing)
        self.asked: list[str] = []

    def run(self) -> dict:
        for question in self.questionnaire.questions:
            self.step(question)
        self.fix_problems()
        return self.answers

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
    prompts = prompts or Prompts()
    if from_file and not complete:
        print(f"{from_file} is not a complete facts file yet (a draft?): its answers are filled in, "
              "and what is missing or wrong will be asked.")
    if output.exists() and not force:
        same = from_file is not None and output.resolve() == from_file.resolve()
        try:
            replace = prompts.confirm("overwrite", f"{output} exists. Replace it when the interview is done?", same)
        except (KeyboardInterrupt, EOFError) as exc:
            return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 1
        if not replace:
            print(f"policygen init: {output} left unchanged; choose another file with -o, or pass --force",
                  file=sys.stderr)
            return 1
    interview = Interview(prompts, editing, complete)
    try:
        answers = interview.run()
    except (KeyboardInterrupt, EOFError) as exc:
        return _save_draft(interview, output, 130 if isinstance(exc, KeyboardInterrupt) else 1)
    facts = _write(interview, answers, output)
    print(f"Wrote {output} ({len(interview.asked)} questions answered).")
    draft = draft_path(output)
    if from_file is not None and draft.exists() and from_file.resolve() == draft.resolve():
        draft.unlink()  # resumed and finished: the draft is stale
        print(f"Removed the draft {draft}.")
    try:
        if prompts.confirm("build", f"Build the policy now into {build_dir}/?", True):
            return _build(facts, output, build_dir)
    except (KeyboardInterrupt, EOFError) as exc:
        return EXIT_INTERRUPTED if isinstance(exc, KeyboardInterrupt) else 1
    print(f"Build it later with: policygen build {output}")
    return 0


def _write(interview: Interview, answers: dict, output: Path):
    from generator import factsyaml  # noqa: PLC0415
    from generator.facts import parse  # noqa: PLC0415
    from generator.output import write_text_atomic  # noqa: PLC0415

    text = factsyaml.dump(answers, interview.questionnaire.comment)
    facts = parse(text, str(output))  # what build will read, checked before the file exists
    write_text_atomic(output, text)
    return facts


def _save_draft(interview: Interview, output: Path, code: int) -> int:
    from generator import factsyaml  # noqa: PLC0415
    from generator.output import write_text_atomic  # noqa: PLC0415

    draft = draft_path(output)
    write_text_atomic(draft, factsyaml.dump(interview.answers, interview.questionnaire.comment))
    print(f"\nInterrupted: your answers so far are saved in {draft}.", file=sys.stderr)
    print(f"Resume with: policygen init --from {draft} -o {output}", file=sys.stderr)
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
