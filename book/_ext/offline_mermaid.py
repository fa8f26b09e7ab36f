"""Mermaid diagrams rendered in the reader's browser by a copy of mermaid the site serves.

A ```` ```mermaid ```` fence (made a directive by ``myst_fence_as_directive``) becomes
``<pre class="mermaid">`` and the page loads ``_static/vendor/mermaid/mermaid.min.js``, a
plain script (not an ES module), so diagrams render offline and from ``file://`` pages.
JupyterLab renders the same fences natively.

A diagram is a translatable message: its source (labels and all) and its alt text go into
the gettext catalogues, and the Chinese edition draws the translated diagram.
"""

from __future__ import annotations

import html

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx import addnodes

MERMAID_JS = "vendor/mermaid/mermaid.min.js"
INIT_JS = """
document.addEventListener("DOMContentLoaded", function () {
  var dark = document.documentElement.dataset.theme === "dark";
  mermaid.initialize({startOnLoad: false, theme: dark ? "dark" : "default"});
  mermaid.run({querySelector: "pre.mermaid"});
});
"""


class mermaid_node(addnodes.translatable, nodes.General, nodes.Element):
    """The diagram's source, written out as <pre class="mermaid"> in HTML; its source and
    alt text are messages for the translations (Sphinx's ``translatable`` interface)."""

    def preserve_original_messages(self):
        self["original"] = {"code": self["code"], "alt": self["alt"]}

    def extract_original_messages(self):
        original = self.get("original") or {"code": self["code"], "alt": self["alt"]}
        return [text for text in (original["code"], original["alt"]) if text]

    def apply_translated_message(self, original_message, translated_message):
        for field in ("code", "alt"):
            if self.get("original", {}).get(field) == original_message:
                self[field] = translated_message


class Mermaid(Directive):
    has_content = True
    optional_arguments = 0
    option_spec = {"caption": directives.unchanged, "alt": directives.unchanged}

    def run(self):
        code = "\n".join(self.content).strip()
        if not code:
            raise self.error("mermaid directive has no diagram")
        node = mermaid_node(code=code, alt=self.options.get("alt", ""))
        self.state.document["has_mermaid"] = True
        if "caption" not in self.options:
            return [node]
        figure = nodes.figure("", node)
        figure += nodes.caption(text=self.options["caption"])
        return [figure]


def visit_html(self, node):
    alt = f' aria-label="{html.escape(node["alt"])}"' if node["alt"] else ""
    self.body.append(f'<pre class="mermaid"{alt}>{html.escape(node["code"])}</pre>\n')
    raise nodes.SkipNode


def visit_other(self, node):
    self.body.append(node.get("alt") or "[diagram]")
    raise nodes.SkipNode


def add_scripts(app, pagename, templatename, context, doctree):
    if doctree is not None and doctree.next_node(mermaid_node) is not None:
        app.add_js_file(MERMAID_JS)
        app.add_js_file(None, body=INIT_JS)


def setup(app):
    app.add_node(
        mermaid_node,
        html=(visit_html, None),
        latex=(visit_other, None),
        text=(visit_other, None),
        man=(visit_other, None),
        texinfo=(visit_other, None),
    )
    app.add_directive("mermaid", Mermaid)
    app.connect("html-page-context", add_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
