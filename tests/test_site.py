"""The built site renders its math and diagrams in a real browser with no network.

Run after a site build (``make test`` does: quick build, then ``pytest -m site``).
``MNIST_BOOK_SITE`` may point at another build's ``html`` folder, e.g. the full one.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.site

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(
    os.environ.get("MNIST_BOOK_SITE") or ROOT / "_build" / "quick" / "_build" / "html"
).resolve()
PAGES_WITH_DIAGRAMS = [
    "book/intro.html",
    "chapters/01_concepts.html",
    "chapters/02_mnist_data.html",
]
PAGES_WITH_MATH = [
    "chapters/01_concepts.html",
    "chapters/02_mnist_data.html",
    "chapters/03_conv_pool_softmax_math.html",
]


@pytest.fixture(scope="module")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no built site at {SITE}: run `make site` (quick) or `make book` first")
    return SITE


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is needed for this check: `make chromium` installs it")


def rendered_dom(page: Path, query: str = "") -> str:
    """The page's DOM after its scripts ran, in headless Chromium with every host name
    unresolvable, so anything fetched from a CDN would fail (``query``: ``?q=...``)."""
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                _chromium(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--virtual-time-budget=20000",
                "--dump-dom",
                page.as_uri() + query,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_no_page_loads_scripts_or_styles_from_the_network(site):
    remote = re.compile(
        r'<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//[^"]*\.(?:js|mjs|css)\b'
    )
    offenders = {}
    for page in site.rglob("*.html"):
        found = remote.findall(page.read_text(encoding="utf-8"))
        if found:
            offenders[str(page.relative_to(site))] = found[:3]
    assert not offenders, f"pages load remote assets: {offenders}"


@pytest.mark.parametrize("name", PAGES_WITH_DIAGRAMS)
def test_mermaid_diagrams_render_to_svg(site, name):
    dom = rendered_dom(site / name)
    blocks = re.findall(r'<pre class="mermaid"[^>]*>(.*?)</pre>', dom, flags=re.S)
    assert blocks, f"{name}: no mermaid block"
    for block in blocks:
        assert "<svg" in block and 'aria-roledescription="flowchart' in block, (
            f"{name}: a mermaid block was not rendered: {block[:200]}"
        )


@pytest.mark.parametrize("name", PAGES_WITH_MATH)
def test_math_is_typeset_by_the_local_mathjax(site, name):
    html = (site / name).read_text(encoding="utf-8")
    assert "_static/vendor/mathjax/tex-chtml.js" in html
    dom = rendered_dom(site / name)
    assert dom.count("<mjx-container") >= 3, f"{name}: MathJax did not typeset the formulas"
    assert "<mjx-merror" not in dom, f"{name}: MathJax reported a TeX error"


def test_data_chapter_shows_its_figures_and_outputs(site):
    html = (site / "chapters/02_mnist_data.html").read_text(encoding="utf-8")
    images = re.findall(r'<img[^>]+src="([^"]+\.png)"', html)
    assert len(images) >= 6, f"expected the chapter's figures, found {images}"
    for src in images:
        assert (site / "chapters" / src).resolve().is_file(), f"missing image {src}"
    assert "0.1307" in html and "0.3081" in html
    assert "Failed to format" not in html


def test_results_page_lists_this_builds_models_with_working_links(site):
    html = (site / "book/results.html").read_text(encoding="utf-8")
    runs = re.search(r"from (?:<[^>]+>)*(\d+)(?:</[^>]+>)* recorded runs", html)
    assert runs, "the results page does not say how many runs it read"
    assert int(runs.group(1)) > 0, "the results page ran before the chapters"
    for chapter in (
        "05_keras_baseline",
        "06_pytorch_reimplementation",
        "07_evaluation_and_inference",
        "12_race_to_99",
        "13_best_model",
    ):
        href = f"../chapters/{chapter}.html"
        assert f'href="{href}"' in html, f"no row links to {chapter}"
        assert (site / "book" / href).resolve().is_file()
    rows = re.findall(r"<td>(\d\d\.\d\d)%</td>", html)
    assert len(rows) >= 5, f"expected a test accuracy per model, found {rows}"
    assert "99.41%" in html  # the article's claim is quoted next to the measurements
    for recipe in ("book (fast_net)", "pytorch/examples", "keras.io"):
        assert f"<td>{recipe}<br>" in html, f"chapter 12's race has no row for {recipe}"
    # the execution-time table lists every chapter of the build
    table = html[html.index("how-long-each-page-took-to-execute") :]
    assert "Run Time (s)" in table
    assert "chapters/12_race_to_99" in table
    assert "chapters/13_best_model" in table


def test_every_chapter_from_5_on_marks_its_findings_and_the_claims_page_lists_them(site):
    marks = {}
    for page in sorted((site / "chapters").glob("[0-9][0-9]_*.html")):
        found = re.findall(
            r'<span class="claim claim-(held|failed|unchecked)" id="claim-',
            page.read_text(encoding="utf-8"),
        )
        marks[page.stem] = found
        if page.stem >= "05":
            assert found, f"{page.stem} marks no checked claim"
    claims_page = (site / "book/claims.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="\.\./chapters/(\d\d_\w+)\.html#claim-(\w+)">', claims_page)
    assert len(links) == sum(map(len, marks.values())), "the claims page lists every mark"
    for stem, key in links:
        assert f'id="claim-{key}"' in (site / "chapters" / f"{stem}.html").read_text(
            encoding="utf-8"
        ), f"the claims page links to a mark {stem}#claim-{key} that is not there"
