"""Reading YAML safely: hostile and malformed files become one clear line each."""

from __future__ import annotations

import pytest

from generator.errors import FactsError
from generator.yamlio import MAX_ALIASES, load_file, load_text


def error_lines(text: str) -> list[str]:
    with pytest.raises(FactsError) as caught:
        load_text(text, "f.yaml")
    return caught.value.lines()


def test_object_constructing_tags_are_refused():
    [line] = error_lines("a: !!python/object/apply:os.system ['echo hacked']\n")
    assert line.startswith("f.yaml:1: invalid YAML: YAML tags that construct objects are not allowed")


def test_unknown_local_tags_are_refused():
    [line] = error_lines("a: !include /etc/passwd\n")
    assert "YAML tags that construct objects are not allowed" in line


def test_billion_laughs_is_bounded():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]")
    [line] = error_lines("\n".join(lines) + "\n")
    assert "too many YAML aliases" in line


def test_a_few_aliases_are_fine():
    data, _ = load_text("base: &b {x: 1}\nother: *b\n", "f.yaml")
    assert data["other"] == {"x": 1}
    assert MAX_ALIASES >= 2


def test_duplicate_keys_name_both_lines():
    [line] = error_lines("company:\n  legal_name: A\n  legal_name: B\n")
    assert line == "f.yaml:3: company.legal_name: duplicate key (first given on line 2)"


def test_syntax_error_has_a_line():
    [line] = error_lines("a: 1\nb: [1, 2\nc: 3\n")
    assert line.startswith("f.yaml:") and "invalid YAML" in line


def test_control_characters_are_refused():
    [line] = error_lines("a: 1\nb: \x07\n")
    assert line == "f.yaml:2: invalid YAML: control character U+0007 is not allowed"


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("company:\n  legal_name: Soci\xe9t\xe9\n".encode("latin-1"))
    with pytest.raises(FactsError) as caught:
        load_file(path)
    [line] = caught.value.lines()
    assert line.startswith(f"{path}:2: file is not UTF-8 text")


def test_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffa: 1\n".encode("utf-8"))
    data, _, _ = load_file(path)
    assert data == {"a": 1}


def test_missing_file_and_folder(tmp_path):
    for path, message in ((tmp_path / "nope.yaml", "file not found"), (tmp_path, "is a folder")):
        with pytest.raises(FactsError) as caught:
            load_file(path)
        assert message in caught.value.lines()[0]


def test_line_map_points_at_keys_and_items():
    _, lines = load_text("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert lines.line(("a", "b")) == 2
    assert lines.line(("a", "c")) == 3
    assert lines.line(("a", "c", 1)) == 5
    assert lines.line(("a", "missing")) == 1


def test_tab_indentation_is_explained():
    [line] = error_lines("company:\n\tlegal_name: x\n")
    assert line == "f.yaml:2: invalid YAML: a tab character is used for indentation; YAML needs spaces"


def test_several_documents_are_refused():
    [line] = error_lines("a: 1\n---\nb: 2\n")
    assert "expected a single document" in line


# -- YAML 1.2 scalars: numbers keep what was typed, dates are only real dates -------------

@pytest.mark.parametrize("typed,value", [("+14165550100", 14165550100), ("01234567", 1234567), ("0x1F", 31),
                                         ("0o17", 15), ("-5", -5), ("1e3", 1000.0), (".inf", float("inf")),
                                         ("-.inf", float("-inf")), ("3.10", 3.1)])
def test_numbers_remember_how_they_were_typed(typed, value):
    from generator.yamlio import typed_text

    data, _ = load_text(f"a: {typed}\n", "f.yaml")
    assert data["a"] == value and typed_text(data["a"]) == typed


@pytest.mark.parametrize("typed", ["1:20:30", "1_000", "0b101", "yes", "no", "on", "off", "y", "012_3", "+.5.5"])
def test_yaml_1_1_only_forms_stay_text(typed):
    data, _ = load_text(f"a: {typed}\n", "f.yaml")
    assert data["a"] == typed and type(data["a"]) is str


def test_nan_keeps_its_text():
    from generator.yamlio import typed_text

    data, _ = load_text("a: .nan\n", "f.yaml")
    assert data["a"] != data["a"] and typed_text(data["a"]) == ".nan"


@pytest.mark.parametrize("typed", ["2026-02-30", "2025-02-29", "2026-13-45", "2026-02-30 10:00", "2026-01-01T10:00:00Z",
                                   "!!timestamp 2026-00-01", "!!int abc", "!!float x", "!!bool maybe", "!!int " + "9" * 5000])
def test_values_python_cannot_build_stay_the_text_typed(typed):
    from generator.yamlio import TypedText

    data, _ = load_text(f"a: {typed}\n", "f.yaml")
    assert isinstance(data["a"], str) and typed.endswith(str(data["a"]))
    assert isinstance(data["a"], TypedText) or " " in typed  # `10:00` without seconds is no YAML timestamp


def test_a_real_date_is_a_date_that_remembers_its_text():
    import datetime as dt

    from generator.yamlio import typed_text

    data, _ = load_text("a: 2024-02-29\n", "f.yaml")
    assert data["a"] == dt.date(2024, 2, 29) and typed_text(data["a"]) == "2024-02-29"


@pytest.mark.parametrize("digits", [101, 4300, 4301, 100_000])
def test_giant_integers_are_not_parsed(digits):
    data, _ = load_text(f"a: {'7' * digits}\n", "f.yaml")
    assert data["a"] == "7" * digits


# -- limits ----------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [17, 100, 900])
def test_deep_nesting_is_refused_with_its_key(depth):
    [line] = error_lines("a:\n  b: " + "[" * depth + "]" * depth + "\n")
    assert line.startswith("f.yaml:2: a.b[0]") and "nested too deeply (at most 16 levels)" in line


def test_nesting_beyond_the_parser_limit_is_one_line():
    [line] = error_lines("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert line.startswith("f.yaml:1: invalid YAML:")


def test_the_model_depth_is_allowed():
    data, _ = load_text("a:\n  b:\n    - {c: [[[[[[[[[[[[1]]]]]]]]]]]]}\n", "f.yaml")
    assert data["a"]["b"][0]["c"][0][0][0][0][0][0][0][0][0][0][0] == [1]


@pytest.mark.parametrize("key", ["12", "2026-01-01", "null", "~", "true", "1.5", ".inf"])
def test_keys_must_be_names(key):
    [line] = error_lines(f"company:\n  {key}: x\n")
    assert line == f"f.yaml:2: company.{key}: keys must be names; write this one in quotes if it is meant"


def test_quoted_and_merge_keys_are_names():
    data, _ = load_text('"12": x\nbase: &b {k: 1}\nother:\n  <<: *b\n', "f.yaml")
    assert data["12"] == "x" and data["other"] == {"k": 1}


def test_a_huge_list_is_named():
    [line] = error_lines("a: 1\nitems:\n" + "".join(f"  - {{x: {i}, y: {i}}}\n" for i in range(5000)))
    assert line.startswith("f.yaml:3: items: is far too long for a facts file (5000 entries")


def test_a_huge_mapping_is_refused():
    [line] = error_lines("".join(f"k{i}: {i}\n" for i in range(12000)))
    assert line == "f.yaml: the file holds too many keys and values (24001; at most 20000)"


# -- reading: only small regular files, never a blocking read ----------------------------

def test_a_fifo_is_refused_without_opening_it(tmp_path):
    import os

    fifo = tmp_path / "facts.yaml"
    os.mkfifo(fifo)
    with pytest.raises(FactsError) as caught:
        load_file(fifo)
    assert caught.value.lines() == [f"{fifo}: is not a regular file (a device, FIFO or socket); give a facts file"]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_devices_are_refused(device):
    from pathlib import Path

    with pytest.raises(FactsError) as caught:
        load_file(Path(device))
    assert "is not a regular file" in caught.value.lines()[0]


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    from generator.errors import MAX_FACTS_BYTES

    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * MAX_FACTS_BYTES)
    with pytest.raises(FactsError) as caught:
        load_file(path)
    assert caught.value.lines() == [f"{path}: file is too large ({MAX_FACTS_BYTES + 5} bytes; a facts file has at "
                                    f"most {MAX_FACTS_BYTES})"]


def test_a_path_below_a_file(tmp_path):
    (tmp_path / "f.yaml").write_text("a: 1\n")
    with pytest.raises(FactsError) as caught:
        load_file(tmp_path / "f.yaml" / "g.yaml")
    assert "file not found (a part of the path is a file, not a folder)" in caught.value.lines()[0]


def test_problem_lines_escape_what_a_terminal_would_obey():
    from generator.errors import Problem

    line = str(Problem("f\x1b.yaml", 3, "a\u202eb", 'got "\x07\x9b\u200b\ufeff\ud800\t"'))
    assert line == 'f\\x1b.yaml:3: a\\u202eb: got "\\x07\\x9b\\u200b\\ufeff\\ud800\\t"'
    assert str(Problem("f.yaml", 1, "k", "Société 株式会社 – ok")) == "f.yaml:1: k: Société 株式会社 – ok"
