"""mnist_utils.display: a chapter shows the package's source as a code block."""

from __future__ import annotations

from mnist_utils import display


class Example:
    def method(self):
        """Indented in the class, dedented when shown."""
        return 1


def test_show_source_displays_dedented_python(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    display.show_source(Example.method)
    (markdown,) = shown
    assert isinstance(markdown, IPython.display.Markdown)
    assert markdown.data == (
        "```python\n"
        "def method(self):\n"
        '    """Indented in the class, dedented when shown."""\n'
        "    return 1\n"
        "```"
    )
