"""The book's two editions from one source: English, and the Chinese edition (中文) that
``tools/build_site.py --language zh_CN`` builds from the gettext catalogues in
``locale/zh_CN/LC_MESSAGES``.

Glued values and claim marks work in translated paragraphs too (see
:func:`retrieve_glue_data`).

The English site is ``_build/html``; the Chinese one sits inside it, in
``_build/html/zh_CN``. Every page gets a language switch in its top bar, beside the
download and full-screen buttons, that leads to the same page in the other edition, and a
``<link rel="alternate" hreflang>`` naming that page, so a search engine pairs the two.
Glued values and claim marks work in translated paragraphs too (see
:func:`retrieve_glue_data`).
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

from docutils import nodes
from myst_nb.ext.glue import directives as glue_directives
from myst_nb.ext.glue import roles as glue_roles
from myst_nb.ext.glue import utils as glue_utils
from sphinx import addnodes
from sphinx.transforms import SphinxTransform
from sphinx.util.i18n import docname_to_domain

TEMPLATES = Path(__file__).parent / "templates"
# language (Sphinx's code) -> (the name shown on the switch, the edition's folder)
EDITIONS = {"en": ("English", ""), "zh_CN": ("中文", "zh_CN")}
HREFLANG = {"en": "en", "zh_CN": "zh-Hans"}
# the top bar of every page (sphinx-book-theme's article header), the switch first
ARTICLE_HEADER_END = ["edition-switch.html", "article-header-buttons.html"]


# A translated paragraph is parsed as a document of its own (Sphinx's i18n transform), which
# lacks the notebook's glue data: its {glue:text} and {claim} roles would find no key. The
# English text of the page was parsed first, with the same roles, so the notebook's
# renderer (which holds the glue data) is remembered at those lookups, page by page, and
# handed to the translated paragraph's document.
_RENDERERS: dict[str, object] = {}
_retrieve_from_notebook = glue_utils.retrieve_glue_data


def retrieve_glue_data(document, key):
    """myst-nb's glue lookup, also from a translated paragraph of a notebook page."""
    env = getattr(document.settings, "env", None)
    if env is None or "nb_renderer" in document or env.docname not in _RENDERERS:
        if env is not None and "nb_renderer" in document:
            _RENDERERS[env.docname] = document["nb_renderer"]
        return _retrieve_from_notebook(document, key)
    # lent for the lookup only: the paragraph's document must stay picklable
    document["nb_renderer"] = _RENDERERS[env.docname]
    try:
        return _retrieve_from_notebook(document, key)
    finally:
        del document["nb_renderer"]


def page_catalogue(transform: SphinxTransform) -> gettext.GNUTranslations | None:
    """The compiled catalogue of the page being read, in the edition's language (None for
    the English edition, or a page without one)."""
    language = transform.config.language or "en"
    if language == "en":
        return None
    domain = docname_to_domain(transform.env.docname, transform.config.gettext_compact)
    for folder in transform.config.locale_dirs:
        compiled = Path(transform.app.srcdir, folder, language, "LC_MESSAGES", f"{domain}.mo")
        if compiled.is_file():
            return _compiled(compiled)
    return None


@functools.cache
def _compiled(path: Path) -> gettext.GNUTranslations:
    """A compiled catalogue, read once per build (two transforms read each page's)."""
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


class TranslateFormulas(SphinxTransform):
    """A display formula in the page's language (its ``\\text{...}`` words translated).
    Sphinx would wrap a translated formula as an rST literal block (``::``), which MyST
    reads as a paragraph "::" that replaces the formula; so formulas are translated here,
    before Sphinx's own transform."""

    default_priority = 19  # before sphinx.transforms.i18n.Locale (20)

    def apply(self):
        catalogue = page_catalogue(self)
        if catalogue is None:
            return
        for formula in self.document.findall(nodes.math_block):
            source = formula.rawsource or formula.astext()
            translated = catalogue.gettext(source)
            if translated != source:
                # its source becomes the translation, which no message matches: Sphinx's
                # transform then finds nothing to translate in it
                formula.rawsource = translated
                formula.children = [nodes.Text(translated)]


class TranslateTocCaptions(SphinxTransform):
    """The captions of the table of contents ("Foundations", ...) in the page's language.
    sphinx-external-toc inserts the toctrees after Sphinx has translated the page, so
    their captions are looked up in the page's catalogue here."""

    default_priority = 101  # after sphinx_external_toc's InsertToctrees (100)

    def apply(self):
        catalogue = page_catalogue(self)
        if catalogue is None:
            return
        for toctree in self.document.findall(addnodes.toctree):
            if toctree.get("caption"):
                toctree["caption"] = catalogue.gettext(toctree["caption"])


def other_edition(language: str) -> str:
    """The language of the edition the switch leads to."""
    return "zh_CN" if language != "zh_CN" else "en"


def counterpart(pagename: str, language: str) -> str:
    """The relative address, from page ``pagename`` of edition ``language``, of the same
    page in the other edition: ``chapters/05_x`` in English → ``../zh_CN/chapters/05_x.html``,
    and back → ``../../chapters/05_x.html``."""
    up = "../" * pagename.count("/")
    if language == "zh_CN":
        return f"{up}../{pagename}.html"
    return f"{up}{EDITIONS['zh_CN'][1]}/{pagename}.html"


def _config_inited(app, config):
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    config.html_theme_options = {
        **(config.html_theme_options or {}),
        "article_header_end": ARTICLE_HEADER_END,
    }


def _page_context(app, pagename, templatename, context, doctree):
    language = app.config.language or "en"
    target = other_edition(language)
    href = counterpart(pagename, language)
    context["edition_switch"] = {"href": href, "label": EDITIONS[target][0], "lang": target}
    link = f'<link rel="alternate" hreflang="{HREFLANG[target]}" href="{href}" />\n'
    context["metatags"] = context.get("metatags", "") + link


def setup(app):
    for module in (glue_utils, glue_roles, glue_directives):
        module.retrieve_glue_data = retrieve_glue_data
    app.add_transform(TranslateFormulas)
    app.add_transform(TranslateTocCaptions)
    app.connect("config-inited", _config_inited)
    app.connect("html-page-context", _page_context)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
