"""A wheel installed outside the checkout is a working tool: it builds a PDF and runs `init`.

This is what `pip install .`, `pipx install .` and `uv tool install .` give a user, so the
test builds a wheel from a copy of the checkout (not in it: setuptools keeps a build/
folder whose stale files would end up in the wheel), installs it into a fresh virtual
environment in a temporary folder, and runs the installed `policygen` from another
temporary folder, where no templates/ or questionnaires/ folder is within reach.
Dependencies come from pip's cache, so the whole test takes about half a minute.
Deselect it while working with `-m "not install"`; `make test` runs it.
"""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = pytest.mark.install

NOT_SHIPPED = shutil.ignore_patterns(".git", ".venv", "build", "output", "*.egg-info", "__pycache__",
                                     ".pytest_cache", "out")


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet", *args],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh virtual environment with only the wheel and its dependencies."""
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SHIPPED)
    pip("wheel", "--no-deps", "--wheel-dir", str(work / "dist"), str(source))
    wheel = next((work / "dist").glob("policygen-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip("--python", str(venv / "bin" / "python"), "install", str(wheel))
    return venv / "bin"


@pytest.fixture
def elsewhere(tmp_path) -> Path:
    """A working folder outside the checkout, with one example facts file in it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(EXAMPLES / "aziminer.yaml", folder / "aziminer.yaml")
    return folder


def test_the_installed_package_holds_its_templates_and_questionnaire(installed, elsewhere):
    code = ("from generator.resources import TEMPLATES_DIR, QUESTIONNAIRES_DIR; "
            "import generator; print(TEMPLATES_DIR); print(QUESTIONNAIRES_DIR); print(generator.__file__)")
    lines = subprocess.run([str(installed / "python"), "-c", code], cwd=elsewhere, capture_output=True,
                           text=True, check=True).stdout.splitlines()
    package = Path(lines[2]).parent
    assert not package.is_relative_to(ROOT)
    assert Path(lines[0]) == package / "templates"
    assert Path(lines[1]) == package / "questionnaires"
    assert (package / "templates" / "sections" / "introduction.html.j2").is_file()
    assert (package / "questionnaires" / "mining.yaml").is_file()
    assert (package / "rules.yaml").is_file()


def test_the_installed_pdf_fetcher_allows_only_the_installed_templates(installed, elsewhere):
    code = f"""
from generator.pdf import safe_fetcher_class
from generator.resources import TEMPLATES_DIR
fetcher = safe_fetcher_class()()
fetcher.fetch((TEMPLATES_DIR / "assets" / "policy.css").as_uri())
for outside in [{str(ROOT / "templates" / "assets" / "policy.css")!r}, {str(elsewhere / "aziminer.yaml")!r}]:
    try:
        fetcher.fetch("file://" + outside)
    except Exception as exc:
        print("blocked", type(exc).__name__)
    else:
        print("fetched", outside)
"""
    done = subprocess.run([str(installed / "python"), "-c", code], cwd=elsewhere, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["blocked URLFetchingError"] * 2, done.stdout


def test_the_installed_tool_builds_a_pdf_outside_the_checkout(installed, elsewhere):
    done = subprocess.run([str(installed / "policygen"), "build", "aziminer.yaml", "-o", "out", "--format", "pdf,md"],
                          cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert done.returncode in (0, 1), done.stderr   # 1: the example's own gaps, reported as warnings
    assert "template error" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    pdf = elsewhere / "out" / "aziminer.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert "AziMiner" in (elsewhere / "out" / "aziminer.md").read_text(encoding="utf-8")


def test_the_installed_init_asks_the_questionnaire_and_builds(installed, elsewhere):
    code, transcript = answer_every_question_with_enter(
        [str(installed / "policygen"), "init", "--from", "aziminer.yaml", "-o", "new.yaml"], elsewhere)
    assert code in (0, 1), transcript[-2000:]   # 1: `check` lists the example's missing disclosures
    assert "Wrote new.yaml" in transcript, transcript[-2000:]
    written = (elsewhere / "new.yaml").read_text(encoding="utf-8")
    assert "AZIMINER" in written.upper()
    assert (elsewhere / "output" / "new.pdf").read_bytes().startswith(b"%PDF-")


def answer_every_question_with_enter(argv: list[str], cwd: Path, timeout: float = 90) -> tuple[int, str]:
    """Run `argv` on a pseudo-terminal (init refuses a pipe) and press Enter whenever it waits.

    With `--from`, Enter keeps every pre-filled answer. "Waiting" is: no output for a
    moment; an Enter typed early only answers the next prompt with its default too.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.chdir(cwd)
            os.environ["PROMPT_TOOLKIT_NO_CPR"] = "1"   # no cursor-position query a test cannot answer
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    output, last, start = bytearray(), time.monotonic(), time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:   # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                output += chunk
                last = time.monotonic()
            elif time.monotonic() - last > 0.25:
                os.write(fd, b"\r")
                last = time.monotonic()
        else:
            os.kill(pid, 9)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode("utf-8", "replace")
