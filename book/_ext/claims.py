"""The ``{claim}`key``` role: a finding's mark, checked by the run that built the page.

A chapter checks a finding with ``run.claim("key", condition, **values)`` (see
``mnist_utils.claims``), which glues the claim into the notebook. In the prose,
``{claim}`key``` at the end of the sentence renders the result: a small ✓ where the claim
held, ✗ and the measured values where it did not, ○ where quick mode did not check it.
Each mark is an anchor (``#claim-key``), so the page "Claims" links to it. A key that is
missing, or glued but not a claim, is a build warning (so a strict build fails).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue.utils import glue_warning, retrieve_glue_data
from myst_nb.ext.utils import RoleBase

from mnist_utils.claims import CLAIM_MIME, Claim

STATIC = Path(__file__).parent / "static"


class ClaimRole(RoleBase):
    def run(self):
        key = self.text.strip()
        try:
            data = retrieve_glue_data(self.document, key).data
        except RetrievalError as exc:
            return [], [glue_warning(f"claim {key!r}: {exc}", self.document, self.line)]
        if CLAIM_MIME not in data:
            message = f"{key!r} is glued but is not a claim (glue it with run.claim)"
            return [], [glue_warning(message, self.document, self.line)]
        claim = Claim(**data[CLAIM_MIME])
        node = nodes.inline(claim.mark, claim.mark, classes=["claim", f"claim-{claim.status}"])
        node["ids"].append(f"claim-{key}")
        self.set_source_info(node)
        return [node], []


def _add_static(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.add_role("claim", ClaimRole())
    app.connect("builder-inited", _add_static)
    app.add_css_file("claims.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
