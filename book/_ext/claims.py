"""The ``{claim}`key``` and ``{goal}`key``` roles: marks checked by the run that built the page.

A chapter checks a finding with ``run.claim("key", condition, **values)`` (see
``mnist_utils.claims``), which glues the claim into the notebook. In the prose,
``{claim}`key``` at the end of the sentence renders the result: a small ✓ where the claim
held, ✗ and the measured values where it did not, ○ where quick mode did not check it.

A goal fixed before the run, ``run.goal("key", met, **values)``, is marked
``{goal}`key```: a small boxed badge, "goal met ✓", "goal not met: " with the measured
values, or "goal not checked ○".

Each mark is an anchor (``#claim-key``, ``#goal-key``), so the page "Claims" links to it.
A key that is missing, glued but not a claim or goal, or marked with the other role
(``{claim}`` on a goal, ``{goal}`` on a claim), is a build warning (so a strict build fails).
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from myst_nb.core.variables import RetrievalError
from myst_nb.ext.glue import utils as glue_utils
from myst_nb.ext.glue.utils import glue_warning
from myst_nb.ext.utils import RoleBase

from mnist_utils.claims import CLAIM, CLAIM_MIME, GOAL, Claim

STATIC = Path(__file__).parent / "static"
DECLARED_WITH = {CLAIM: "run.claim", GOAL: "run.goal"}


class _MarkRole(RoleBase):
    """The mark of a glued claim or goal (``kind``), at the end of its sentence."""

    kind = CLAIM

    def run(self):
        key = self.text.strip()
        try:
            # through the module, so the Chinese edition's lookup (editions.py) applies
            data = glue_utils.retrieve_glue_data(self.document, key).data
        except RetrievalError as exc:
            return [], [self._warning(f"{self.kind} {key!r}: {exc}")]
        if CLAIM_MIME not in data:
            message = (
                f"{key!r} is glued but is not a {self.kind} "
                f"(glue it with {DECLARED_WITH[self.kind]})"
            )
            return [], [self._warning(message)]
        claim = Claim(**data[CLAIM_MIME])
        if claim.kind != self.kind:
            message = (
                f"{key!r} is a {claim.kind} ({DECLARED_WITH[claim.kind]}), not a {self.kind}: "
                f"mark it with {{{claim.kind}}}`{key}`"
            )
            return [], [self._warning(message)]
        text = claim.mark_in(self.document.settings.env.config.language)
        node = nodes.inline(text, text, classes=claim.css_classes)
        node["ids"].append(f"{self.kind}-{key}")
        self.set_source_info(node)
        return [node], []

    def _warning(self, message: str):
        return glue_warning(message, self.document, self.line)


class ClaimRole(_MarkRole):
    kind = CLAIM


class GoalRole(_MarkRole):
    kind = GOAL


def _add_static(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.add_role("claim", ClaimRole())
    app.add_role("goal", GoalRole())
    app.connect("builder-inited", _add_static)
    app.add_css_file("claims.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
