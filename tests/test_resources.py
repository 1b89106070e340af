"""Where templates and questionnaires are found: the copy inside the package first, then the checkout's."""

from __future__ import annotations

from conftest import ROOT
from generator import resources


def test_a_checkout_uses_its_top_level_folders():
    assert resources.TEMPLATES_DIR == ROOT / "templates"
    assert resources.QUESTIONNAIRES_DIR == ROOT / "questionnaires"
    assert (resources.TEMPLATES_DIR / "policy.html.j2").is_file()


def test_the_copy_inside_the_package_wins(tmp_path, monkeypatch):
    package = tmp_path / "site-packages" / "generator"
    (package / "templates").mkdir(parents=True)
    (tmp_path / "site-packages" / "templates").mkdir()   # some other distribution's folder
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    assert resources.data_folder("templates") == package / "templates"


def test_without_an_in_package_copy_the_folder_beside_the_package_is_used(tmp_path, monkeypatch):
    package = tmp_path / "checkout" / "generator"
    package.mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGE_DIR", package)
    assert resources.data_folder("questionnaires") == tmp_path / "checkout" / "questionnaires"
