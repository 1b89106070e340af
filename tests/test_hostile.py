"""Hostile input and faults, through the command line: exit 2, one line naming file, line and key,
no traceback, no raw control character on the terminal, nothing written.

Each test covers a class of input (any impossible date, any text field, any unwritable
output), not one example, so that new inputs of the same kind behave the same.
"""

from __future__ import annotations

import html
import os
import re
import stat

import pytest

# A small valid facts file whose lines are known: line N of FACTS is FACTS.splitlines()[N - 1].
FACTS = """\
schema_version: 1
company:
  legal_name: Hashbox Mining Ltd
  website: https://hashbox.example
  country: nz
services: [hosting]
contact:
  email: privacy@hashbox.example
policy:
  effective_date: 2026-01-15
audience:
  minimum_age: 18
  regions: [nz]
data_collected: [account, contact, log_data]
data_regions: [nz]
retention:
  default: 2 years after your account closes
"""

RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def replaced(old: str, new: str, text: str = FACTS) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.fixture
def facts_file(tmp_path):
    def write(text: str, name: str = "facts.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write


def refused(result, prefix: str) -> str:
    """The one line of a refusal; checks the exit code and the terminal safety of stderr."""
    code, _, stderr = result
    lines = stderr.splitlines()
    assert code == 2, stderr
    assert len(lines) == 1, stderr
    assert lines[0].startswith(prefix), lines[0]
    assert not RAW_CONTROL.search(stderr), repr(stderr)
    assert "Traceback" not in stderr
    return lines[0]


# -- item 2: impossible dates -------------------------------------------------------

@pytest.mark.parametrize("typed", ["2026-02-30", "2025-02-29", "2026-13-45", "2026-00-10", "2026-04-31",
                                   "0000-01-01", "2026-02-30 10:00", "2026-02-30T10:00:00Z", '"2026-02-31"'])
@pytest.mark.parametrize("command", ["build", "check", "diff"])
def test_impossible_dates_are_one_line_in_every_command(cli, facts_file, tmp_path, typed, command):
    text = replaced("effective_date: 2026-01-15", f"effective_date: {typed}")
    bad = facts_file(text)
    args = {"build": ["build", bad, "-o", tmp_path / "out"], "check": ["check", bad],
            "diff": ["diff", facts_file(FACTS, "old.yaml"), bad]}[command]
    line = refused(cli(*args), f"{bad}:{line_of(text, 'effective_date')}: policy.effective_date: is not a real date")
    assert "got " in line
    assert not (tmp_path / "out").exists()


def test_batch_reports_an_impossible_date_as_its_line(cli, facts_file, tmp_path):
    good = facts_file(FACTS, "good.yaml")
    bad = facts_file(replaced("effective_date: 2026-01-15", "effective_date: 2025-02-29"), "bad.yaml")
    code, _, stderr = cli("batch", good, bad, "-o", tmp_path / "out", "--format", "html")
    assert code == 1  # one item failed; the other was built
    assert f"{bad}:10: policy.effective_date: is not a real date (February 2025 has 28 days)" in stderr
    assert "internal error" not in stderr and not (tmp_path / "out" / "bad.html").exists()


def test_a_date_with_a_time_is_refused_not_truncated(cli, facts_file):
    bad = facts_file(replaced("effective_date: 2026-01-15", "effective_date: 2026-01-15 10:00"))
    refused(cli("check", bad), f"{bad}:10: policy.effective_date: must be an ISO date (YYYY-MM-DD")


# -- item 3: text fields get what was typed --------------------------------------------

@pytest.mark.parametrize("typed", ["+14165550100", "01234567", "1:20:30", ".inf", "-.inf", ".nan", "0x1F", "0o17",
                                   "1e3", "1_000", "2026-01-01", "12:30", "0b101", "+1", "3.10", "007"])
def test_text_fields_keep_exactly_what_was_typed(cli, facts_file, tmp_path, typed):
    text = replaced("  legal_name: Hashbox Mining Ltd\n",
                    f"  legal_name: Hashbox Mining Ltd\n  registration_number: {typed}\n  description: {typed}\n")
    text = replaced("  email: privacy@hashbox.example\n", f"  email: privacy@hashbox.example\n  phone: {typed}\n", text)
    text = replaced("  default: 2 years after your account closes\n",
                    f"  default: 2 years after your account closes\n  logs: {typed}\n", text)
    out = tmp_path / "out"
    code, _, stderr = cli("build", facts_file(text), "-o", out, "--format", "html")
    assert code == 0, stderr
    page = html.unescape((out / "facts.html").read_text())
    assert page.count(typed) >= 3, typed


@pytest.mark.parametrize("typed,message", [("true", "must be a text (write it in quotes"),
                                           ("~", "must be a non-empty text, got nothing"),
                                           ("null", "must be a non-empty text, got nothing"),
                                           ("''", "must be a non-empty text")])
def test_a_required_text_that_is_not_text(cli, facts_file, typed, message):
    bad = facts_file(replaced("legal_name: Hashbox Mining Ltd", f"legal_name: {typed}"))
    refused(cli("check", bad), f"{bad}:3: company.legal_name: {message}")


def test_null_leaves_an_optional_text_unset(cli, facts_file, tmp_path):
    text = replaced("  legal_name: Hashbox Mining Ltd\n", "  legal_name: Hashbox Mining Ltd\n  brand: ~\n")
    code, _, stderr = cli("build", facts_file(text), "-o", tmp_path / "out", "--format", "html")
    assert code == 0, stderr


# -- item 5: output that cannot be written ---------------------------------------------

def unwritable_places(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {
        "a file": (a_file, "is a file, not a folder"),
        "below a file": (a_file / "sub", "is a file, not a folder"),
        "/dev/null": (os.devnull, "is not a folder"),
        "below /dev/null": (os.path.join(os.devnull, "sub"), "not a folder"),
    }


@pytest.mark.parametrize("place", ["a file", "below a file", "/dev/null", "below /dev/null"])
@pytest.mark.parametrize("command", ["build", "batch"])
def test_an_output_folder_that_cannot_exist(cli, facts_file, tmp_path, place, command):
    folder, reason = unwritable_places(tmp_path)[place]
    line = refused(cli(command, facts_file(FACTS), "-o", folder, "--format", "html"),
                   f"{folder}: cannot write output here: ")
    assert reason in line


@pytest.mark.parametrize("command", ["build", "batch"])
def test_a_read_only_output_folder(cli, facts_file, tmp_path, monkeypatch, command):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    real_access = os.access
    # root may write anywhere; pretend to be a user who may not.
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == str(folder) else real_access(p, mode, **kw))
    refused(cli(command, facts_file(FACTS), "-o", folder / "sub", "--format", "html"),
            f"{folder / 'sub'}: cannot write output here: permission denied in {folder}")
    assert os.listdir(folder) == []


@pytest.mark.parametrize("errno_name,reason", [("ENOSPC", "no space left on the device"),
                                               ("EROFS", "the file system is read-only"),
                                               ("EACCES", "permission denied"), ("EIO", "input/output error")])
def test_a_write_that_fails_midway(cli, facts_file, tmp_path, monkeypatch, errno_name, reason):
    import errno
    import tempfile

    def failing(*args, **kwargs):
        raise OSError(getattr(errno, errno_name), os.strerror(getattr(errno, errno_name)))

    monkeypatch.setattr(tempfile, "mkstemp", failing)
    out = tmp_path / "out"
    line = refused(cli("build", facts_file(FACTS), "-o", out, "--format", "html"), f"{out}: cannot write output here: ")
    assert line.endswith(reason)
    assert not list(out.glob("*.html"))


@pytest.mark.parametrize("target", ["folder", "/dev/null", "below a file", "fifo"])
def test_diff_html_needs_a_writable_file(cli, facts_file, tmp_path, target):
    old, new = facts_file(FACTS, "old.yaml"), facts_file(replaced("minimum_age: 18", "minimum_age: 21"), "new.yaml")
    (tmp_path / "a-file").write_text("x")
    path = {"folder": tmp_path, "/dev/null": os.devnull, "below a file": tmp_path / "a-file" / "r.html",
            "fifo": tmp_path / "pipe"}[target]
    if target == "fifo":
        os.mkfifo(path)
    named = path.parent if target == "below a file" else path  # the folder, when the folder is what is wrong
    refused(cli("diff", old, new, "--html", path), f"{named}: cannot write output here: ")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.parametrize("target", ["folder", "/dev/null", "below a file"])
def test_init_refuses_an_output_it_could_not_write_before_asking(cli, tmp_path, target):
    (tmp_path / "a-file").write_text("x")
    path = {"folder": tmp_path, "/dev/null": os.devnull, "below a file": tmp_path / "a-file" / "f.yaml"}[target]
    named = path.parent if target == "below a file" else path
    refused(cli("init", "-o", path), f"{named}: cannot write output here: ")


# -- item 7: reads, limits, odd names and characters ------------------------------------

@pytest.mark.parametrize("kind", ["/dev/zero", "fifo", "folder", "huge", "missing", "below a file"])
def test_facts_paths_that_are_not_small_regular_files(cli, tmp_path, kind):
    path = {"/dev/zero": "/dev/zero", "fifo": tmp_path / "pipe.yaml", "folder": tmp_path,
            "huge": tmp_path / "huge.yaml", "missing": tmp_path / "nope.yaml",
            "below a file": tmp_path / "huge.yaml" / "x.yaml"}[kind]
    (tmp_path / "huge.yaml").write_bytes(b"a: " + b"x" * 2_000_000 + b"\n")
    if kind == "fifo":
        os.mkfifo(path)  # never opened for a blocking read: this test would hang otherwise
    for command in (["check", path], ["build", path, "-o", tmp_path / "out"]):
        refused(cli(*command), f"{path}: ")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["..yaml", "..yml"])
def test_a_facts_file_whose_name_gives_no_output_name(cli, tmp_path, name):
    path = tmp_path / name
    path.write_text(FACTS)
    for command in ("build", "batch"):
        refused(cli(command, path, "-o", tmp_path / "out"), f"{path}: cannot name the output files")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("nested", ["[" * 40 + "]" * 40, "[" * 5000 + "]" * 5000,
                                    "".join("\n" + "  " * (i + 1) + "- " for i in range(60)) + "x"])
def test_deep_nesting(cli, facts_file, nested):
    text = replaced("data_regions: [nz]", f"data_regions: {nested}")
    bad = facts_file(text)
    line = refused(cli("check", bad), f"{bad}:")
    assert re.match(rf"{re.escape(str(bad))}:\d+: (data_regions[\[\]0-9]*: lists and mappings are nested too deeply"
                    r"|invalid YAML: exceeded maximum nesting depth)", line), line


@pytest.mark.parametrize("key,old", [("audience.minimum_age", "minimum_age: 18"),
                                     ("contact.response_days", "email: privacy@hashbox.example"),
                                     ("company.legal_name", "legal_name: Hashbox Mining Ltd")])
@pytest.mark.parametrize("digits", [4300, 5000, 20000])
def test_giant_integers(cli, facts_file, key, old, digits):
    name = key.split(".")[-1]
    new = f"{name}: {'9' * digits}" if name in old else f"{old}\n  {name}: {'9' * digits}"
    text = replaced(old, new)
    bad = facts_file(text)
    line = refused(cli("check", bad), f"{bad}:{line_of(text, name + ':')}: {key}: ")
    assert f"got a number of {digits} digits" in line


CONTROL_CHARACTERS = ["\\e", "\\a", "\\r", "\\x00", "\\x7f", "\\x85", "\\x9b", "\\b", "\\v", "\\f", "\\x1b[2J"]


def text_and_url_fields():
    """Every text, URL and email field a facts file can have, found from the model itself."""
    from pydantic import BaseModel

    from generator import facts as model

    kinds = {model._text: "text", model._url: "url", model._email: "email"}

    def walk(cls, prefix):
        for name, info in cls.model_fields.items():
            found = [kinds[m.func] for m in info.metadata if getattr(m, "func", None) in kinds]
            args = getattr(info.annotation, "__args__", (info.annotation,))
            for arg in args:
                for meta in getattr(arg, "__metadata__", ()):
                    if getattr(meta, "func", None) in kinds:
                        found.append(kinds[meta.func])
            if found:
                yield prefix + (name,), found[0]
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    yield from walk(arg, prefix + (name,))

    fields = list(walk(model.Facts, ()))
    custom = [(("kyc", "vendor") + path, kind) for path, kind in walk(model.CustomVendor, ())]
    return fields + custom


def facts_with(path: tuple, value):
    """The small facts, with `value` (a YAML scalar as typed) at `path` and whatever it needs around it."""
    import yaml

    data = yaml.safe_load(FACTS)
    if path[0] == "representatives":
        data["representatives"] = {path[1]: {"name": "Rep", "address": "1 Main St", "email": "rep@rep.example"}}
    if path[:2] == ("kyc", "vendor"):
        data["kyc"] = {"vendor": {"name": "IDCheck", "website": "https://id.example", "country": "fr"},
                       "documents": ["selfie"]}
    if path[0] == "group_companies":  # a list of companies: the value goes into its first item
        data["group_companies"] = [{"name": "Group Co", "country": "de", "role": "processor", path[-1]: "@@VALUE@@"}]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).replace("'@@VALUE@@'", value)
    target = data
    for part in path[:-1]:
        target = target.setdefault(part, {})
    target[path[-1]] = "@@VALUE@@"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).replace("'@@VALUE@@'", value)


@pytest.mark.parametrize("path,kind", text_and_url_fields(), ids=lambda v: ".".join(v) if isinstance(v, tuple) else v)
def test_control_characters_are_refused_in_every_text_url_and_email_field(cli, facts_file, path, kind):
    from generator.yamlio import key_text

    assert len(text_and_url_fields()) >= 25
    good = {"text": "Hashbox", "url": "https://hashbox.example/p", "email": "a@hashbox.example"}[kind]
    for control in CONTROL_CHARACTERS:
        text = facts_with(path, f'"{good[:3]}{control}{good[3:]}"')
        bad = facts_file(text)
        code, _, stderr = cli("check", bad)
        assert code == 2 and not RAW_CONTROL.search(stderr) and "Traceback" not in stderr, (control, stderr)
        where = (path[0], 0) + path[1:] if path[0] == "group_companies" else path
        assert f": {key_text(where)}: must be" in stderr, (control, stderr)


@pytest.mark.parametrize("name", ["\\u200b", "\\u200b\\u200c\\u200d", "\\ufeff", "\\u2060", " \\u00a0\\u3000 ",
                                  "\\u3164", "\\u2800", "\\u00ad", "\\U000e0041", "\\u180e", "\\u034f"])
@pytest.mark.parametrize("key", ["legal_name", "brand"])
def test_invisible_names_are_refused(cli, facts_file, name, key):
    text = replaced("  legal_name: Hashbox Mining Ltd\n", f'  legal_name: Hashbox Mining Ltd\n  {key}: "{name}"\n')
    if key == "legal_name":
        text = replaced("  legal_name: Hashbox Mining Ltd\n", "", text)
    bad = facts_file(text)
    line = refused(cli("check", bad), f"{bad}:{line_of(text, key + ':')}: company.{key}: must contain visible text")
    assert "\u200b" not in line and "\ufeff" not in line


@pytest.mark.parametrize("override", ["\\u202a", "\\u202b", "\\u202c", "\\u202d", "\\u202e", "\\u2066", "\\u2067",
                                      "\\u2068", "\\u2069"])
def test_bidi_overrides_are_refused_and_shown_escaped(cli, facts_file, override):
    text = replaced("legal_name: Hashbox Mining Ltd", f'legal_name: "Hashbox{override}gnim"')
    bad = facts_file(text)
    line = refused(cli("check", bad), f"{bad}:3: company.legal_name: must be text without right-to-left")
    assert override in line  # shown as its escape, not applied to the terminal


def test_unknown_keys_with_control_characters_are_shown_escaped(cli, facts_file):
    bad = facts_file(replaced("  country: nz\n", '  country: nz\n  "\\e[2Jwipe": 1\n'))
    refused(cli("check", bad), f"{bad}:6: company.\\x1b[2Jwipe: unknown key")


def test_many_custom_vendors_fail_fast_naming_the_key(cli, facts_file):
    vendors = "".join(f'  - {{name: Vendor {i}, website: "https://v{i}.example", country: us, purpose: stats}}\n'
                      for i in range(1700))
    text = FACTS + "analytics:\n" + vendors
    bad = facts_file(text)
    refused(cli("check", bad), f"{bad}:{line_of(text, 'analytics:')}: analytics: must list at most 50 tools, got a list of 1700")


def test_a_list_too_long_for_the_whole_file_is_named(cli, facts_file):
    vendors = "".join(f'  - {{name: V{i}, website: "https://v{i}.example", country: us, purpose: stats}}\n'
                      for i in range(3000))
    text = FACTS + "analytics:\n" + vendors
    bad = facts_file(text)
    refused(cli("check", bad), f"{bad}:{line_of(text, 'analytics:') + 1}: analytics: is far too long for a facts file")


@pytest.mark.parametrize("key", ["audience.regions", "data_regions", "data_collected", "services"])
def test_every_list_is_capped(cli, facts_file, key):
    from generator import facts as model

    ids = {"audience.regions": list(model._CATALOG.regions), "data_regions": list(model._CATALOG.regions),
           "data_collected": list(model._CATALOG.data_categories), "services": list(model.SERVICES)}[key]
    name = key.split(".")[-1]
    old = next(line for line in FACTS.splitlines() if line.strip().startswith(f"{name}:"))
    text = replaced(old, old.split(":")[0] + ": [" + ", ".join(ids + ids[:1]) + "]")
    bad = facts_file(text)
    refused(cli("check", bad), f"{bad}:{line_of(text, name + ':')}: {key}: must list at most {len(ids)} ")


@pytest.mark.parametrize("key", ["2026-01-01", "12", "null", "true", ".inf"])
def test_keys_that_are_not_names(cli, facts_file, key):
    bad = facts_file(replaced("  country: nz\n", f"  country: nz\n  {key}: x\n"))
    refused(cli("check", bad), f"{bad}:6: company.{key}: keys must be names")


@pytest.mark.parametrize("tagged", ["!!int abc", "!!float x", "!!bool maybe", "!!timestamp 2026-13-45",
                                    "!!int " + "9" * 5000, "!!binary aGk=", "!!set {a, b}"])
def test_explicit_tags_never_break_the_loader(cli, facts_file, tagged):
    bad = facts_file(replaced("minimum_age: 18", f"minimum_age: {tagged}"))
    refused(cli("check", bad), f"{bad}:12: audience.minimum_age: must be an integer between 13 and 21, got ")


@pytest.mark.parametrize("command", ["build", "batch", "diff", "init"])
def test_a_folder_nobody_may_write_in(cli, facts_file, tmp_path, command):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    facts = facts_file(FACTS)
    args = {"build": ["build", facts, "-o", locked], "batch": ["batch", facts, "-o", locked / "sub"],
            "diff": ["diff", facts, facts, "--html", locked / "r.html"], "init": ["init", "-o", locked / "f.yaml"]}[command]
    try:
        line = refused(cli(*args), f"{args[-1] if command in ('build', 'batch') else locked}: ")
        assert "cannot write output here: permission denied" in line
        assert os.listdir(locked) == []
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("typed", ["2026-02-30", "2025-02-29", "2026-13-45"])
def test_init_from_a_file_with_an_impossible_date_without_a_terminal(cli, facts_file, tmp_path, typed):
    text = replaced("effective_date: 2026-01-15", f"effective_date: {typed}")
    bad = facts_file(text)
    refused(cli("init", "--from", bad, "-o", tmp_path / "new.yaml"),
            f"{bad}:10: policy.effective_date: is not a real date")
    assert not (tmp_path / "new.yaml").exists()


def test_init_from_a_valid_file_without_a_terminal_still_says_why_it_cannot_ask(cli, facts_file, tmp_path):
    code, _, stderr = cli("init", "--from", facts_file(FACTS), "-o", tmp_path / "new.yaml")
    assert code == 2 and "not a terminal" in stderr
