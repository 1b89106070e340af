"""`policygen init` driven through real questionary prompts fed by a prompt_toolkit pipe."""

from __future__ import annotations

import copy
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from generator import questionnaire as qn
from generator.errors import TemplateError
from generator.facts import load
from generator.interview import Prompts, draft_path, run_init

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "questionnaires" / "examples").glob("*.yaml"))
DOWN, UP, CLEAR, ENTER = "\x1b[B", "\x1b[A", "\x15", "\r"
CTRL_C, CTRL_D = "\x03", "\x04"


class Keys(str):
    """Raw keystrokes for one prompt, sent as they are."""


class ScriptedPrompts(Prompts):
    """The real prompts; before each one, the keys a user would press are fed to the pipe.

    `script` maps a prompt id (the facts key, or key.part for follow-ups) to the answer:
    text, a list of texts (each one submitted in turn: an invalid one and its correction),
    True/False, a choice value, a list of values to leave checked, raw Keys, or a tuple
    of these for a prompt shown more than once. Prompts not in the script get Enter,
    which accepts the default.
    """

    def __init__(self, pipe, script: dict):
        super().__init__()
        self.pipe = pipe
        self.script = dict(script)
        self.asked: list[str] = []
        self.rejected: list[str] = []
        self.shown: dict[str, list] = {}   # prompt id → the choices last shown

    def _keys(self, ident: str, make) -> None:
        self.asked.append(ident)
        if len(self.asked) > 150:
            raise EOFError  # a script that no longer matches the prompts: end instead of looping
        answer = self.script.pop(ident, None)
        if isinstance(answer, tuple):  # one answer per time the prompt is shown
            answer, rest = answer[0], answer[1:]
            if rest:
                self.script[ident] = rest
        self.pipe.send_text(ENTER if answer is None else answer if isinstance(answer, Keys) else make(answer))

    def _recording(self, validate):
        def check(value):
            verdict = validate(value)
            if verdict is not True:
                self.rejected.append(verdict)
            return verdict
        return check

    def text(self, ident, message, default, validate, optional=False):
        self._keys(ident, lambda a: "".join(CLEAR + t + ENTER for t in ([a] if isinstance(a, str) else a)))
        return super().text(ident, message, default, self._recording(validate), optional)

    def confirm(self, ident, message, default):
        self._keys(ident, lambda a: "y" if a else "n")
        return super().confirm(ident, message, default)

    def select(self, ident, message, choices, default, search=False):
        values = [value for _, value in choices]
        start = values.index(default) if default in values else 0
        self.shown[ident] = choices
        self._keys(ident, lambda a: (DOWN * (values.index(a) - start) + UP * (start - values.index(a)) + ENTER))
        return super().select(ident, message, choices, default, search=search)

    def checkbox(self, ident, message, choices, validate):
        def toggles(wanted):
            return DOWN.join(" " if (value in wanted) != checked else "" for _, value, checked in choices) + ENTER
        self._keys(ident, toggles)
        return super().checkbox(ident, message, choices, self._recording(validate))


def drive(script: dict, **options):
    """Run `init` with the script; returns (exit code, the prompts object)."""
    options.setdefault("build_dir", options["output"].parent / "built")
    with create_pipe_input() as pipe, create_app_session(input=pipe, output=DummyOutput()):
        prompts = ScriptedPrompts(pipe, script)
        code = run_init(prompts=prompts, **options)
    assert not prompts.script, f"prompts never shown: {sorted(prompts.script)}"
    return code, prompts


def html(facts) -> str:
    from generator.render import render

    try:
        return render(facts).html
    except TemplateError as exc:
        if "not found" in str(exc):  # clause templates still being written by other helpers
            pytest.skip(f"clause library incomplete: {exc}")
        raise


SMALL_HOSTING = {
    "company.legal_name": "Hashbox Mining Ltd",
    "company.website": "https://hashbox.example",
    "company.country": "New Zealand",
    "company.address": "1 Queen Street, Auckland",
    "company.description": "hosting for mining machines",
    "services": ["hosting"],
    "audience.regions": ["nz", qn.OTHER],
    "audience.regions.other": "au",
    "contact.email": "privacy@hashbox.example",
    "data_collected": ["account", "contact", "log_data", "mining_equipment", "payment"],
    "retention.default": "2 years after your account closes",
    "retention.account": "2 years after account closure",
    "retention.logs": "90 days",
    "marketing_emails": "none",
    "build": False,
}


def test_a_small_hosting_company_answers_under_40_relevant_questions(tmp_path):
    out = tmp_path / "facts.yaml"
    code, prompts = drive(SMALL_HOSTING, output=out)
    assert code == 0
    facts = load(out)
    assert facts.company.country == "nz" and facts.audience.regions == ["nz", "au"]
    assert facts.services == ["hosting"] and facts.data_regions == ["nz"]
    assert facts.kyc.vendor == "none" and facts.analytics == [] and facts.audience.minimum_age == 18
    assert facts.policy.effective_date is not None
    questions = [i for i in prompts.asked if i != "build"]
    assert len(questions) < 40
    irrelevant = [i for i in questions if i.startswith(("kyc.documents", "kyc.storage", "representatives",
                                                        "transfer_safeguards", "contact.dpo_name", "retention.kyc",
                                                        "cookies.do_not_track", "contact.complaint"))]
    assert not irrelevant
    text = out.read_text(encoding="utf-8")
    assert "# Where are your users?\n  regions: [nz, au]\n" in text


def test_answers_open_the_questions_they_make_relevant(tmp_path):
    out = tmp_path / "facts.yaml"
    script = SMALL_HOSTING | {
        "company.country": "us",
        "audience.regions": ["eea", "uk"],
        "contact.dpo_email": "dpo@hashbox.example",
        "contact.dpo_name": "Jane Roe",
        "representatives.eu": True,
        "representatives.eu.name": "EU Rep GmbH",
        "representatives.eu.address": "Hauptstr. 1, Berlin",
        "representatives.eu.email": "eu@rep.example",
        "representatives.uk": False,
        "kyc.vendor": "sumsub",
        "kyc.documents": ["government_id", "selfie"],
        "kyc.storage_region": "Germany",
        "kyc.obliged_entity": True,
        "data_regions": ["us"],
        "transfer_safeguards": ["scc"],
        "retention.kyc": "5 years",
    }
    del script["audience.regions.other"]
    code, prompts = drive(script, output=out)
    assert code == 0
    for key in ("contact.dpo_name", "representatives.eu.email", "kyc.documents", "transfer_safeguards",
                "contact.complaint_form_url", "retention.kyc"):
        assert key in prompts.asked
    assert "representatives.uk.name" not in prompts.asked
    facts = load(out)
    assert facts.representatives.eu.name == "EU Rep GmbH" and facts.representatives.uk is None
    assert facts.kyc.vendor == "sumsub" and facts.kyc.documents == ["government_id", "selfie"]
    assert facts.kyc.storage_region == "de" and facts.kyc.obliged_entity is True
    assert facts.transfer_safeguards == ["scc"] and facts.contact.dpo_name == "Jane Roe"


def test_other_vendors_lead_to_their_own_questions(tmp_path):
    out = tmp_path / "facts.yaml"
    script = SMALL_HOSTING | {
        "kyc.vendor": qn.OTHER,
        "kyc.vendor.name": "Acme ID",
        "kyc.vendor.website": "https://acme.example",
        "kyc.vendor.country": "nz",
        "kyc.vendor.purpose": "checks passports",
        "kyc.documents": ["government_id"],
        "kyc.storage_region": "nz",
        "analytics": ["plausible", qn.OTHER],
        "analytics[0].name": "CountIt",
        "analytics[0].website": ["countit.example", "https://countit.example"],
        "analytics[0].country": "nz",
        "analytics.more": False,
        "retention.kyc": "5 years",
    }
    code, prompts = drive(script, output=out)
    assert code == 0
    facts = load(out)
    assert facts.kyc.vendor.name == "Acme ID" and facts.kyc.vendor.purpose == "checks passports"
    assert facts.analytics[0] == "plausible"
    assert facts.analytics[1].name == "CountIt" and facts.analytics[1].purpose is None
    assert prompts.rejected == ['must be an http(s) URL such as https://example.com/privacy, got "countit.example"']
    assert facts.cookies.analytics is True  # suggested from the tools chosen


def test_an_invalid_answer_is_asked_again_with_the_file_validation_message(tmp_path):
    out = tmp_path / "facts.yaml"
    script = SMALL_HOSTING | {"audience.minimum_age": ["eighteen", "12", "18"],
                              "company.country": ["Atlantis", "nz"],
                              "services": Keys(ENTER + " " + ENTER)}
    code, prompts = drive(script, output=out)
    assert code == 0
    assert prompts.rejected[0] == "must be one of the region ids such as us, eea, uk, us-ca or global " \
                                  "(see `policygen schema`), got \"Atlantis\""
    assert prompts.rejected[1] == "must list at least one entry, got []"  # nothing checked, Enter
    assert prompts.rejected[2:] == ['must be an integer between 13 and 21, got "eighteen"',
                                    "must be an integer between 13 and 21, got 12"]
    facts = load(out)
    assert facts.audience.minimum_age == 18 and facts.company.country == "nz" and facts.services == ["cloud_hashrate"]


def test_a_rule_between_answers_reasks_the_question_concerned(tmp_path):
    out = tmp_path / "facts.yaml"
    script = SMALL_HOSTING | {"kyc.vendor": "onfido", "kyc.storage_region": "nz", "retention.kyc": "5 years",
                              "kyc.documents": (Keys(ENTER), ["government_id"])}  # nothing at first
    code, prompts = drive(script, output=out)
    assert code == 0
    asked = [i for i in prompts.asked if i != "build"]
    assert asked.count("kyc.documents") == 2 and asked[-1] == "kyc.documents"  # asked again at the end
    assert load(out).kyc.documents == ["government_id"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_enter_through_an_edited_file_reproduces_the_same_facts_and_html(tmp_path, path):
    out = tmp_path / "again.yaml"
    code, _ = drive({"build": False}, output=out, from_file=path)
    assert code == 0
    before, after = load(path), load(out)
    assert after == before
    assert html(after) == html(before)


def test_changing_one_answer_changes_only_that_fact(tmp_path):
    source = ROOT / "questionnaires" / "examples" / "1024mining.yaml"
    out = tmp_path / "edited.yaml"
    code, _ = drive({"contact.response_days": "14", "build": False}, output=out, from_file=source)
    assert code == 0
    before, after = load(source).model_dump(), load(out).model_dump()
    assert after["contact"].pop("response_days") == 14
    before["contact"].pop("response_days")
    assert after == before


FIRST_PART = {k: v for k, v in SMALL_HOSTING.items() if not k.startswith(("data_", "retention", "marketing", "build"))}
REST = {k: v for k, v in SMALL_HOSTING.items() if k.startswith(("data_", "retention", "marketing", "build"))}


def interrupted_draft(out: Path) -> Path:
    """A draft as Ctrl-C at the data_collected question leaves it: 9 answers (contact.response_days has no default, so Enter leaves it out)."""
    code, _ = drive(FIRST_PART | {"data_collected": Keys(CTRL_C)}, output=out)
    assert code == 130 and not out.exists()
    return draft_path(out)


def answered(path: Path) -> int:
    from generator.yamlio import load_file

    return qn.load().answered(load_file(path)[0])


@pytest.mark.parametrize("how", ["offered", "from"])
def test_ctrl_c_saves_a_draft_that_resumes_at_the_first_unanswered_question(tmp_path, capsys, how):
    out = tmp_path / "facts.yaml"
    draft = interrupted_draft(out)
    assert draft.name == "facts.draft.yaml"
    err = capsys.readouterr().err
    assert f"policygen init -o {out}" in err and "(9)" in err
    saved = draft.read_text(encoding="utf-8")
    assert saved.startswith("# policygen init draft: stopped at data_collected\n")
    assert "legal_name: Hashbox Mining Ltd" in saved and "data_collected" not in saved.split("\n", 1)[1]

    script = REST | ({"resume": True} if how == "offered" else {})
    code, prompts = drive(script, output=out, **({"from_file": draft} if how == "from" else {}))
    assert code == 0
    first = ["resume", "mode"] if how == "offered" else ["mode"]
    assert prompts.asked[:len(first) + 1] == first + ["data_collected"]  # straight to where it stopped
    assert "company.legal_name" not in prompts.asked
    assert prompts.shown["mode"][0][0] == "Continue at the first unanswered question (Data collected)"
    assert load(out).company.legal_name == "Hashbox Mining Ltd" and load(out).services == ["hosting"]
    assert not draft.exists()


def test_the_offer_to_resume_names_the_date_and_the_answers(tmp_path, monkeypatch):
    out = tmp_path / "facts.yaml"
    draft = interrupted_draft(out)
    messages = []
    original = ScriptedPrompts.confirm

    def confirm(self, ident, message, default):
        messages.append((ident, message, default))
        return original(self, ident, message, default)

    monkeypatch.setattr(ScriptedPrompts, "confirm", confirm)
    code, _ = drive({"resume": Keys(CTRL_C)}, output=out)
    assert code == 130
    saved = dt.datetime.fromtimestamp(draft.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    assert messages == [("resume", f"Resume the draft saved on {saved} (9 answers)?", True)]


def test_a_draft_is_never_replaced_by_one_with_fewer_answers(tmp_path, capsys):
    out = tmp_path / "facts.yaml"
    draft = interrupted_draft(out)
    before = draft.read_bytes()
    capsys.readouterr()
    # Ctrl-C at the offer itself, then a fresh start (offer declined) stopped after two answers.
    assert drive({"resume": Keys(CTRL_C)}, output=out)[0] == 130
    assert draft.read_bytes() == before
    code, _ = drive({"resume": False, "company.legal_name": "Other Ltd", "company.brand": "Other",
                     "company.website": Keys(CTRL_C)}, output=out)
    assert code == 130 and draft.read_bytes() == before
    assert "holds 9 answers, more than the 2 given now, so it is kept" in capsys.readouterr().err
    # Declined and interrupted before any answer: still nothing written over it.
    assert drive({"resume": False, "company.legal_name": Keys(CTRL_D)}, output=out)[0] == 1
    assert draft.read_bytes() == before


def test_a_second_ctrl_c_early_in_a_resumed_run_keeps_the_richer_draft(tmp_path):
    out = tmp_path / "facts.yaml"
    draft = interrupted_draft(out)
    # Resumed, every question again; the first answer changed, then Ctrl-C at the second.
    code, _ = drive({"resume": True, "mode": "all", "company.legal_name": "Renamed Ltd",
                     "company.brand": Keys(CTRL_C)}, output=out)
    assert code == 130
    text = draft.read_text(encoding="utf-8")
    assert text.startswith("# policygen init draft: stopped at data_collected\n")  # not back at company.brand
    assert "legal_name: Renamed Ltd" in text and answered(draft) == 9
    # Resumed, jumping: Ctrl-C in the list keeps every answer too.
    code, _ = drive({"resume": True, "mode": "jump", "jump": Keys(CTRL_C)}, output=out)
    assert code == 130 and answered(draft) == 9 and "legal_name: Renamed Ltd" in draft.read_text(encoding="utf-8")
    # And the resumed run still goes on where the first one stopped.
    code, prompts = drive(REST | {"resume": True}, output=out)
    assert code == 0 and load(out).company.legal_name == "Renamed Ltd"
    assert prompts.asked[:3] == ["resume", "mode", "data_collected"]


def test_jumping_to_one_question_changes_only_that_fact(tmp_path):
    source = ROOT / "questionnaires" / "examples" / "1024mining.yaml"
    out = tmp_path / "edited.yaml"
    script = {"mode": "jump", "jump": ("contact.response_days", "__finish__"), "contact.response_days": "14",
              "build": False}
    code, prompts = drive(script, output=out, from_file=source)
    assert code == 0
    assert prompts.asked == ["mode", "jump", "contact.response_days", "jump", "build"]
    assert [label for label, _ in prompts.shown["mode"]] == ["Go through every question", "Jump to a question"]
    labels = dict((value, label) for label, value in prompts.shown["jump"])
    assert labels["contact.response_days"] == "Days to answer a request: 14"
    assert labels["company.legal_name"] == "Legal name: 1024MINING INC."
    before, after = load(source).model_dump(), load(out).model_dump()
    assert after["contact"].pop("response_days") == 14
    before["contact"].pop("response_days")
    assert after == before


def test_a_jump_asks_what_the_new_answer_makes_relevant_and_drops_what_it_ends(tmp_path):
    source = ROOT / "questionnaires" / "examples" / "itsminer.yaml"   # no KYC
    out = tmp_path / "edited.yaml"
    script = {"mode": "jump", "jump": ("kyc.vendor", "kyc.vendor", "__finish__"),
              "kyc.vendor": ("sumsub", "none"), "kyc.documents": ["government_id"], "kyc.storage_region": "hk",
              "retention.kyc": "5 years", "build": False}
    code, prompts = drive(script, output=out, from_file=source)
    assert code == 0
    follow_ups = prompts.asked[prompts.asked.index("kyc.vendor") + 1: prompts.asked.index("jump", 2)]
    assert follow_ups[:2] == ["kyc.documents", "kyc.storage_region"] and "retention.kyc" in follow_ups
    assert load(out).kyc.vendor == "none" and "documents:" not in out.read_text(encoding="utf-8")

    code, prompts = drive({"mode": "jump", "jump": ("kyc.vendor", "__finish__"), "kyc.vendor": "sumsub",
                           "kyc.documents": ["government_id", "selfie"], "kyc.storage_region": "hk",
                           "retention.kyc": "5 years", "build": False},
                          output=tmp_path / "with-kyc.yaml", from_file=source)
    assert code == 0
    facts = load(tmp_path / "with-kyc.yaml")
    assert facts.kyc.vendor == "sumsub" and facts.kyc.documents == ["government_id", "selfie"]
    assert facts.kyc.storage_region == "hk"


def test_a_broken_draft_stops_init_before_any_question(tmp_path):
    from generator.errors import FactsError

    out = tmp_path / "facts.yaml"
    draft = draft_path(out)
    draft.write_text("company:\n  legal_name: [unclosed\n", encoding="utf-8")
    with pytest.raises(FactsError) as caught:
        drive({}, output=out)
    first, advice = caught.value.lines()
    assert first.startswith(f"{draft}:") and first.split(": ", 1)[0].rsplit(":", 1)[1].isdigit()
    assert advice == f"{draft}: this draft cannot be resumed: fix it, or delete it to start afresh"
    assert draft.read_text(encoding="utf-8") == "company:\n  legal_name: [unclosed\n" and not out.exists()


def test_init_without_a_terminal_leaves_a_draft_alone(tmp_path):
    draft = tmp_path / "f.draft.yaml"
    draft.write_text("company:\n  legal_name: Kept Ltd\n", encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "generator", "init", "-o", str(tmp_path / "f.yaml")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10, cwd=ROOT)
    assert result.returncode == 2 and time.monotonic() - started < 5
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert draft.read_text(encoding="utf-8") == "company:\n  legal_name: Kept Ltd\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.draft.yaml"]


def test_ctrl_d_saves_a_draft_and_exits_1(tmp_path):
    out = tmp_path / "facts.yaml"
    code, _ = drive({"company.legal_name": "Hashbox", "company.brand": Keys(CTRL_D)}, output=out)
    assert code == 1
    assert not out.exists() and "legal_name: Hashbox" in draft_path(out).read_text(encoding="utf-8")
    company = {k: v for k, v in SMALL_HOSTING.items() if k.startswith("company.")}
    code, prompts = drive({"resume": False} | company | {"services": Keys(CTRL_D)}, output=out)
    assert code == 1 and prompts.asked[-1] == "services"
    assert "legal_name: Hashbox Mining Ltd" in draft_path(out).read_text(encoding="utf-8")  # more answers: replaced


def test_an_existing_file_is_replaced_only_after_confirmation(tmp_path, minimal_facts):
    out = tmp_path / "facts.yaml"
    out.write_text("# mine\n", encoding="utf-8")
    code, prompts = drive({"overwrite": False}, output=out)
    assert code == 1 and prompts.asked == ["overwrite"]
    assert out.read_text(encoding="utf-8") == "# mine\n"
    code, prompts = drive(SMALL_HOSTING, output=out, force=True)
    assert code == 0 and "overwrite" not in prompts.asked
    assert load(out).company.legal_name == "Hashbox Mining Ltd"


def test_it_offers_to_build_the_policy_at_the_end(tmp_path, capsys):
    source = ROOT / "questionnaires" / "examples" / "aziminer.yaml"
    out = tmp_path / "azi.yaml"
    built = tmp_path / "built"
    html(load(source))  # skips while the clause library is incomplete
    code, prompts = drive({"build": True}, output=out, from_file=source, build_dir=built)
    assert code == 0 and prompts.asked[-1] == "build"
    from generator.build import produce

    # The policy as `build` makes it: the same text, with the Draft marker while disclosures are missing.
    assert (built / "azi.html").read_bytes() == produce(load(source), ("html",), str(out)).files["html"]
    assert (built / "azi.pdf").read_bytes().startswith(b"%PDF")
    assert str(built / "azi.html") in capsys.readouterr().out


def test_init_without_a_terminal_exits_2_at_once(tmp_path):
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "generator", "init", "-o", str(tmp_path / "f.yaml")],
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=10, cwd=ROOT)
    assert result.returncode == 2
    assert time.monotonic() - started < 5
    assert "not a terminal" in result.stderr and "--from" in result.stderr and "policygen schema" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "f.yaml").exists()


def test_from_a_file_with_unknown_keys_stops_before_asking(tmp_path, minimal_facts, cli):
    from tests.conftest import write_facts

    bad = copy.deepcopy(minimal_facts)
    bad["company"]["legal_nam"] = "x"
    path = write_facts(tmp_path, bad)
    with pytest.raises(Exception) as caught:
        drive({}, output=tmp_path / "out.yaml", from_file=path)
    assert "company.legal_nam: unknown key" in str(caught.value)


def test_missing_disclosures_are_reported_as_check_finds_them(tmp_path, minimal_facts, capsys):
    check = pytest.importorskip("generator.check")
    from generator.facts import validate
    from generator.interview import report_missing
    from generator.yamlio import LineMap

    facts = validate(minimal_facts | {"analytics": ["google_analytics"]}, "x", LineMap(None))
    html(facts)  # skips while the clause library is incomplete
    missing = check.check(facts).missing
    assert report_missing(facts, tmp_path / "f.yaml") == 0
    out = capsys.readouterr().out
    assert missing, "these facts leave out the cookie-consent link, which check reports"
    for finding in missing:
        assert f"[{finding.rule_id}]" in out and finding.fix in out
    assert f"policygen init --from {tmp_path / 'f.yaml'}" in out


def test_group_companies_are_asked_one_by_one_and_new_facts_can_stay_unset(tmp_path):
    out = tmp_path / "facts.yaml"
    script = SMALL_HOSTING | {
        "group_companies.more": (True, False),
        "group_companies[0].name": "Hashbox Iceland ehf",
        "group_companies[0].country": "is",
        "group_companies[0].role": ["owner", "processor"],
        "group_companies[0].purpose": "runs our data centre",
        "security_measures": ["tls", "2fa"],
    }
    code, prompts = drive(script, output=out)
    assert code == 0
    facts = load(out)
    assert [(g.name, g.country, g.role, g.purpose) for g in facts.group_companies] == [
        ("Hashbox Iceland ehf", "is", "processor", "runs our data centre")]
    assert prompts.rejected and "processor" in prompts.rejected[0]   # the role is checked by the model
    assert facts.security_measures == ["tls", "2fa"]
    assert facts.sells_personal_data is None    # Enter on a fact with no default leaves it out
    assert "Hashbox Iceland ehf" in html(facts)
