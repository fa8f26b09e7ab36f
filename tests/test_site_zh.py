"""The Chinese edition (中文版) beside the English site: built from the English build's
executed chapters, a language switch on every page, math, diagrams, glued values and
claim marks in both, and Chinese full-text search.

Run after a site build (``make site`` builds both editions, then ``pytest -m site``).
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

import pytest
from test_site import PAGES_WITH_DIAGRAMS, PAGES_WITH_MATH, ROOT, SITE, rendered_dom

pytestmark = pytest.mark.site

ZH = SITE / "zh_CN"
BUILD = SITE.parent
SWITCH = re.compile(r'<a class="edition-switch-link" href="([^"]+)" hreflang="([^"]+)">')


@pytest.fixture(scope="module")
def zh():
    if not (ZH / "index.html").is_file():
        pytest.fail(f"no Chinese edition at {ZH}: `make site` builds it after the English one")
    return ZH


def _pages():
    """The pages of the table of contents, as ``html`` paths (the site also keeps pages
    of earlier builds that left the book)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [Path(f"{name}.html") for name in files]


def test_every_page_switches_to_the_same_page_in_the_other_language(zh):
    pages = _pages()
    for relative in pages:
        for here, there, lang in ((SITE, zh, "zh-CN"), (zh, SITE, "en")):
            html = (here / relative).read_text(encoding="utf-8")
            switch = SWITCH.search(html)
            assert switch, f"{here.name}/{relative}: no language switch"
            href, hreflang = switch.groups()
            target = ((here / relative).parent / href).resolve()
            assert hreflang == lang and target == (there / relative).resolve(), (
                f"{here.name}/{relative}: the switch leads to {href}"
            )
            assert target.is_file(), f"{relative}: no page {target}"


def _cjk_share(html: str) -> float:
    main = re.search(r"<main[^>]*>(.*)</main>", html, flags=re.S).group(1)
    prose = " ".join(re.findall(r"<p>(.*?)</p>", main, flags=re.S))
    text = re.sub(r"<[^>]+>", "", prose)
    letters = [ch for ch in text if ch.isalpha()]
    return sum("\u4e00" <= ch <= "\u9fff" for ch in letters) / max(len(letters), 1)


@pytest.mark.parametrize(
    "name",
    [
        "book/intro.html",
        "chapters/01_concepts.html",
        "chapters/05_keras_baseline.html",
        "chapters/08_fine_tuning.html",
        "chapters/12_race_to_99.html",
        "book/claims.html",
    ],
)
def test_the_chinese_pages_are_in_chinese_with_the_same_values_and_marks(zh, name):
    english = (SITE / name).read_text(encoding="utf-8")
    chinese = (zh / name).read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="zh[-_]CN"', chinese), f"{name}: not marked as Chinese"
    assert _cjk_share(chinese) > 0.5, f"{name}: the Chinese page's prose is not Chinese"
    for pattern in (r'class="pasted-[a-z]+"', r'class="claim claim-[a-z]+"', r'class="goal goal-'):
        assert len(re.findall(pattern, chinese)) == len(re.findall(pattern, english)), (
            f"{name}: {pattern} differs between the editions"
        )
    assert "卷积 MNIST，从零开始" in chinese


@pytest.mark.parametrize("name", PAGES_WITH_DIAGRAMS)
def test_mermaid_diagrams_render_in_the_chinese_edition(zh, name):
    dom = rendered_dom(zh / name)
    blocks = re.findall(r'<pre class="mermaid"[^>]*>(.*?)</pre>', dom, flags=re.S)
    assert blocks and all("<svg" in block for block in blocks), f"{name}: diagram not rendered"


@pytest.mark.parametrize("name", PAGES_WITH_MATH)
def test_math_is_typeset_in_the_chinese_edition(zh, name):
    dom = rendered_dom(zh / name)
    assert dom.count("<mjx-container") >= 3 and "<mjx-merror" not in dom, name


def test_a_search_for_卷积_finds_chapter_3(zh):
    page = zh / "search.html"
    dom = rendered_dom(page, query=f"?q={quote('卷积')}")
    results = re.findall(r'<ul class="search">(.*?)</ul>', dom, flags=re.S)
    assert results, "the search page showed no results list"
    assert "chapters/03_conv_pool_softmax_math.html" in results[0], results[0][:500]


def test_the_chinese_build_executed_no_chapter(zh):
    """It read the English build's cache: no cache record is newer than the start of the
    Chinese build, and every chapter shows the English build's outputs, printed times and
    figures included, which a second execution would have changed."""
    from jupyter_cache import get_cache

    started = (BUILD / "editions" / "zh_CN" / "_config.zh_CN.yml").stat().st_mtime
    for record in get_cache(BUILD / ".jupyter_cache").list_cache_records():
        created = record.created.replace(tzinfo=UTC).timestamp()
        assert created < started, f"{record.uri} was executed during the Chinese build"
    for name in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        page = f"chapters/{name.stem}.html"
        english, chinese = (_outputs((root / page).read_text("utf-8")) for root in (SITE, zh))
        assert english and chinese == english, f"{page}: the editions show different outputs"


def _outputs(html: str) -> list[str]:
    """A page's cell outputs: printed text and the names of its images (content hashes)."""
    text = re.findall(r'<div class="output [^"]*">\s*<pre[^>]*>(.*?)</pre>', html, flags=re.S)
    images = re.findall(r'<img [^>]*src="([^"]*_images/[^"]+)"', html)
    return text + images


def test_translated_formulas_are_formulas(zh):
    """A display formula whose \\text{} words are translated is still the formula (Sphinx
    alone would have put a paragraph "::" in its place)."""
    for name in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb")):
        chinese = (zh / "chapters" / f"{name.stem}.html").read_text(encoding="utf-8")
        assert "\\[::" not in chinese and "<p>::</p>" not in chinese, name.stem
    chapter_7 = (zh / "chapters/07_evaluation_and_inference.html").read_text(encoding="utf-8")
    assert "\\text{精确率}_k" in chapter_7
