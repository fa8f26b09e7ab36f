"""A built page shows its claims' marks, and the release build fails on a false one.

Builds a one-page fixture book (``tests/fixtures/claims_book``) with the book's own
``tools/build_site.py``: once with a claim that holds, once with one that does not.
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


def test_a_mark_without_its_claim_fails_a_strict_build(tmp_path):
    book = fixture_book(tmp_path, total=4)
    page = book / "finding.md"
    page.write_text(page.read_text() + "\nAnd a finding nobody checked {claim}`unchecked`.\n")
    result = build(book)
    assert result.returncode != 0
    assert "claim 'unchecked'" in result.stdout + result.stderr
