"""Where the templates and the questionnaire are, in a checkout and in an installed tool.

The repository keeps `templates/` and `questionnaires/` at its top level; a wheel ships them
inside the package (`generator/templates`, `generator/questionnaires`, see pyproject.toml).
The in-package copy wins, so an installed tool never reads a folder that merely happens to
sit next to site-packages. This module imports nothing heavy: the manifest uses it on the
no-change path.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def data_folder(name: str) -> Path:
    """`generator/<name>` when installed from a wheel, else the repository's `<name>/`."""
    shipped = PACKAGE_DIR / name
    if shipped.is_dir():
        return shipped
    return PACKAGE_DIR.parent / name


TEMPLATES_DIR = data_folder("templates")
QUESTIONNAIRES_DIR = data_folder("questionnaires")
