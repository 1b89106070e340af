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
    assert line == "f.yaml:3: legal_name: duplicate key (first given on line 2)"


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
