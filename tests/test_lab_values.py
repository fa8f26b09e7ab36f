"""The values the prose quotes, shown to a JupyterLab reader and kept off the site."""

import nbformat
import numpy as np
from IPython.core.interactiveshell import InteractiveShell
from myst_nb.ext.glue import extract_glue_data_cell

from mnist_utils import lab_values
from mnist_utils.claims import check


def test_shown_values_read_as_the_text_quotes_them():
    assert lab_values.shown(5000) == "5000"
    assert lab_values.shown(np.int64(7)) == "7"
    assert lab_values.shown(99.123456789) == "99.1235"
    assert lab_values.shown(np.float32(0.5)) == "0.5"
    assert lab_values.shown(True) == "True"
    assert lab_values.shown("Adam") == "Adam"
    assert lab_values.shown(float("nan")) == "nan"


def test_a_claim_is_shown_by_its_mark():
    held = check("better", True, chapter="05", quick=False)
    failed = check("worse", False, chapter="05", quick=False, acc=0.98765)
    assert lab_values.shown(held) == "✓"
    assert lab_values.shown(failed) == failed.mark
    assert "0.9877" in failed.mark


def test_the_bundle_lists_every_value_once():
    data = lab_values.bundle({"n_fit": 50000, "a<b": 0.25})
    assert data["text/plain"] == "n_fit = 50000 · a<b = 0.25"
    assert data["text/html"] == (
        "<small><code>n_fit</code> = 50000 · <code>a&lt;b</code> = 0.25</small>"
    )


def _cell_with_output_of(values) -> nbformat.NotebookNode:
    """A code cell holding what show_for_lab displays, as a kernel would record it."""
    shell = InteractiveShell.instance()
    published = []
    original = shell.display_pub.publish
    shell.display_pub.publish = lambda data, metadata=None, **kw: published.append((data, metadata))
    try:
        lab_values.show_for_lab(values)
    finally:
        shell.display_pub.publish = original
    outputs = [
        nbformat.v4.new_output("display_data", data=data, metadata=metadata)
        for data, metadata in published
    ]
    return nbformat.v4.new_code_cell("run.glue(...)", outputs=outputs)


def test_jupyterlab_sees_html_and_the_site_drops_the_output():
    cell = _cell_with_output_of({"epochs": 3})
    (output,) = cell.outputs
    assert output.data["text/html"] == "<small><code>epochs</code> = 3</small>"
    # myst-nb treats it as glue data with a prefix: kept for the text, not displayed
    glued = extract_glue_data_cell(cell)
    assert len(glued) == 1 and glued[0][0].startswith("_lab_values_")
    assert cell.outputs == []


def test_nothing_is_shown_for_no_values():
    assert _cell_with_output_of({}).outputs == []
