"""A built page shows its claims' marks and its goals' badges, and the release build fails
on a false claim but not on a goal not met.

Builds a one-page fixture book (``tests/fixtures/claims_book``) with the book's own
``tools/build_site.py``: once with a claim that holds, once with one that does not; in
both, one goal is met and one is not.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "claims_book"
CONFIG = """\
title: A book of one finding
only_build_toc_files: true
execute:
  execute_notebooks: force
sphinx:
  local_extensions:
    claims: {extensions}
"""


def fixture_book(tmp_path: Path, total: int) -> Path:
    book = tmp_path / "book"
    shutil.copytree(FIXTURE, book)
    (book / "_config.yml").write_text(CONFIG.format(extensions=ROOT / "book" / "_ext"))
    page = book / "finding.md"
    page.write_text(page.read_text().replace("TOTAL = 4", f"TOTAL = {total}"))
    return book


def build(book: Path, *flags: str) -> subprocess.CompletedProcess:
    command = [sys.executable, str(ROOT / "tools" / "build_site.py"), "--root", str(book)]
    command += ["--mode", "full", "--strict", *flags]
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def page_html(book: Path) -> str:
    return (book / "_build" / "html" / "finding.html").read_text()


@pytest.fixture(scope="module")
def true_book(tmp_path_factory):
    book = fixture_book(tmp_path_factory.mktemp("held"), total=4)
    return book, build(book, "--strict-claims")


@pytest.fixture(scope="module")
def false_book(tmp_path_factory):
    book = fixture_book(tmp_path_factory.mktemp("failed"), total=5)
    return book, build(book)


def test_a_claim_that_holds_passes_the_release_build_with_a_tick(true_book):
    book, result = true_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert '<span class="claim claim-held" id="claim-two_and_two">✓</span>' in page_html(book)
    assert "claims: 1 in all; 1 held, 0 failed" in result.stdout


def test_a_goal_not_met_is_shown_and_listed_but_passes_the_release_build(true_book):
    book, result = true_book
    assert result.returncode == 0, "a goal not met alone must not fail --strict-claims"
    html = page_html(book)
    assert '<span class="goal goal-met" id="goal-total_small">goal met ✓</span>' in html
    assert '<span class="goal goal-unmet" id="goal-total_ten">goal not met: total 4</span>' in html
    assert "goals: 2 in all; 1 met, 1 not met, 0 not checked" in result.stdout
    assert "NOT MET  chapter 99  total_ten: total 4" in result.stdout
    assert "FAILED" not in result.stdout


def test_a_false_claim_is_marked_on_the_page_and_listed_by_a_plain_build(false_book):
    book, result = false_book
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    html = page_html(book)
    assert '<span class="claim claim-failed" id="claim-two_and_two">✗ total 5</span>' in html
    assert "claims.css" in html
    assert "FAILED  chapter 99  two_and_two: ✗ total 5" in result.stdout


def test_a_false_claim_fails_the_release_build(false_book):
    book, _ = false_book
    result = build(book, "--strict-claims")
    assert result.returncode == 1
    assert "--strict-claims: 1 claim(s) failed" in result.stderr


def test_a_mark_without_its_claim_or_with_the_wrong_role_fails_a_strict_build(tmp_path):
    book = fixture_book(tmp_path, total=4)
    page = book / "finding.md"
    page.write_text(
        page.read_text()
        + "\nAnd a finding nobody checked {claim}`unchecked`, a goal nobody set"
        + " {goal}`unset`, a goal marked as a claim {claim}`total_ten` and a claim"
        + " marked as a goal {goal}`two_and_two`.\n"
    )
    result = build(book)
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "claim 'unchecked'" in log
    assert "goal 'unset'" in log
    assert "'total_ten' is a goal (run.goal), not a claim: mark it with {goal}`total_ten`" in log
    assert "'two_and_two' is a claim (run.claim), not a goal" in log


def test_a_cell_that_fails_fails_the_build_with_the_books_settings(tmp_path):
    """`make test` executes the chapters once, in the quick site build, instead of also
    under nbval: that is honest only if an error in any cell fails the build."""
    import yaml

    settings = yaml.safe_load((ROOT / "_config.yml").read_text())
    raise_on_error = settings["sphinx"]["config"]["nb_execution_raise_on_error"]
    assert settings["execute"]["allow_errors"] is False and raise_on_error is True
    book = fixture_book(tmp_path, total=4)
    config = book / "_config.yml"
    config.write_text(config.read_text() + "  config:\n    nb_execution_raise_on_error: true\n")
    page = book / "finding.md"
    page.write_text(
        page.read_text() + "\n```{code-cell} ipython3\nraise RuntimeError('a broken cell')\n```\n"
    )
    result = build(book)
    assert result.returncode != 0
    assert "a broken cell" in result.stdout + result.stderr


def _build_site_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_without_a_repository_address_the_site_has_no_repository_or_launch_buttons(tmp_path):
    build_site = _build_site_module()
    config = {
        "html": {"use_repository_button": True, "use_issues_button": True},
        "repository": {"url": "", "branch": "main"},
        "launch_buttons": {"notebook_interface": "jupyterlab", "colab_url": "https://colab"},
        "sphinx": {"local_extensions": {"claims": "book/_ext"}},
    }
    unset = build_site.effective_config(config, tmp_path)
    assert "repository" not in unset and "colab_url" not in unset["launch_buttons"]
    assert not unset["html"]["use_repository_button"] and not unset["html"]["use_issues_button"]
    assert unset["sphinx"]["local_extensions"]["claims"] == str(tmp_path / "book" / "_ext")
    config["repository"]["url"] = "https://github.com/example/book"
    published = build_site.effective_config(config, tmp_path)
    assert published["repository"]["url"] == "https://github.com/example/book"
    assert published["html"]["use_repository_button"] is True
    assert published["launch_buttons"]["colab_url"] == "https://colab"
    assert config["sphinx"]["local_extensions"]["claims"] == "book/_ext"  # input untouched
