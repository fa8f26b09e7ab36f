"""Checked claims and goals (mnist_utils.claims): their marks, their failure paths, and
every chapter's claims and goals declared in code and marked in the prose alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from mnist_utils import claims
from mnist_utils.runtime import ChapterRun

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def test_a_claim_that_holds_is_a_tick_and_keeps_its_values():
    claim = claims.check("probe_below", 0.91 < 0.95, chapter="08", quick=False, probe=0.91)
    assert (claim.status, claim.mark) == ("held", "✓")
    assert claim.values == {"probe": 0.91}


def test_a_failed_claim_shows_a_cross_and_the_measured_values():
    claim = claims.check(
        "probe_below",
        np.float64(0.97) < 0.95,
        chapter="08",
        quick=False,
        probe=np.float64(0.971234),
        budgets=np.array([100, 1000]),
    )
    assert claim.status == "failed"
    assert claim.mark == "✗ probe 0.9712, budgets [100, 1000]"
    assert claim.values == {"probe": 0.971234, "budgets": [100, 1000]}


def test_quick_mode_checks_only_claims_that_hold_at_any_size():
    assert claims.check("k", False, chapter="05", quick=True).mark == "○"
    assert claims.check("k", False, chapter="05", quick=True, always=True).status == "failed"


@pytest.mark.parametrize("key", ["Probe", "1st", "probe-below", "", None])
def test_a_bad_key_is_refused(key):
    with pytest.raises(ValueError, match="lower-case letters"):
        claims.check(key, True, chapter="05", quick=False)


@pytest.mark.parametrize("condition", [1, 0.5, "yes", None, [True]])
def test_a_condition_that_is_not_true_or_false_is_refused(condition):
    with pytest.raises(TypeError, match="must be True or False"):
        claims.check("k", condition, chapter="05", quick=False)


def test_run_claim_glues_the_claim_for_its_mark(monkeypatch):
    glued = {}
    monkeypatch.setattr("mnist_utils.runtime.glue", lambda k, v: glued.update({k: v}))
    ChapterRun(seed=0, quick=False, chapter="08").claim("gap_small", abs(0.2) < 1, gap=0.2)
    bundle = glued["gap_small"]._repr_mimebundle_()
    assert bundle["text/plain"] == "✓"
    assert bundle[claims.CLAIM_MIME] == {
        "key": "gap_small",
        "chapter": "08",
        "status": "held",
        "values": {"gap": 0.2},
        "kind": "claim",
    }


def test_run_timed_glues_the_minutes_a_block_took(monkeypatch):
    glued = {}
    monkeypatch.setattr("mnist_utils.runtime.glue", lambda k, v: glued.update({k: v}))
    with ChapterRun(seed=0, quick=True).timed("fit_minutes"):
        pass
    assert 0 <= glued["fit_minutes"] < 0.01


def test_claims_are_read_back_from_a_builds_glue_files(tmp_path):
    held = claims.check("a", True, chapter="05", quick=False)
    lost = claims.check("b", False, chapter="06", quick=False, x=1.5)
    glue = {
        c.key: {"data": {"text/plain": c.mark, claims.CLAIM_MIME: c.as_dict()}}
        for c in (held, lost)
    }
    glue["n"] = {"data": {"text/plain": "3"}}
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "05_x.glue.json").write_text(json.dumps(glue))
    found = claims.claims_in_build(tmp_path)
    assert [c.key for c in found] == ["a", "b"]
    assert claims.failed(found) == [lost]
    assert claims.report(found).splitlines() == [
        "claims: 2 in all; 1 held, 1 failed, 0 not checked",
        "goals: 0 in all; 0 met, 0 not met, 0 not checked",
        "  FAILED  chapter 06  b: ✗ x 1.5",
    ]


def test_a_claims_sentence_is_the_one_its_mark_ends_with_numbers_filled_in():
    markdown = (
        "Budgets vary. At every budget (e.g. 100 labels) the *probe* stays at "
        "{glue:text}`probe:.1f`% {claim}`probe_low`, and more.\n\n- LoRA forgets "
        "[least](x.html) {claim}`lora`"
    )
    sentences = claims.claim_sentences(markdown, {"probe": {"data": {"text/plain": "91.26"}}})
    assert sentences == {
        "probe_low": "At every budget (e.g. 100 labels) the probe stays at 91.3%",
        "lora": "LoRA forgets least",
    }


def _keys(notebook: Path, kind: str):
    cells = json.loads(notebook.read_text())["cells"]
    text = {
        cell: "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == cell)
        for cell in ("markdown", "code")
    }
    marked = re.findall(rf"\{{{kind}\}}`([^`]+)`", text["markdown"])
    declared = re.findall(rf"run\.{kind}\(\s*\"([a-z0-9_]+)\"", text["code"])
    return marked, declared


@pytest.mark.parametrize("kind", ["claim", "goal"])
@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_claim_and_goal_is_declared_once_in_code_and_marked_once_in_the_prose(notebook, kind):
    marked, declared = _keys(notebook, kind)
    assert sorted(set(marked)) == sorted(set(declared)), (
        f'each run.{kind}("key", ...) needs a {{{kind}}}`key` in the prose, and back'
    )
    assert len(marked) == len(set(marked)), f"a {kind} is marked once"
    assert len(declared) == len(set(declared)), f"a {kind} is declared once"


def test_the_key_finder_reads_goals_apart_from_claims(tmp_path):
    cells = [
        {"cell_type": "code", "source": ['run.claim("a", x < 1)\nrun.goal(\n    "race", ok)']},
        {"cell_type": "markdown", "source": ["Below one {claim}`a`. Fast {goal}`race`."]},
    ]
    notebook = tmp_path / "99_x.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    assert _keys(notebook, "claim") == (["a"], ["a"])
    assert _keys(notebook, "goal") == (["race"], ["race"])


def test_a_goal_met_not_met_and_not_checked_has_its_badge():
    met = claims.check_goal("race", True, chapter="12", quick=False, reached=10, runs=10)
    assert (met.kind, met.status, met.mark) == ("goal", "held", "goal met ✓")
    assert met.css_classes == ["goal", "goal-met"]
    missed = claims.check_goal(
        "race", np.bool_(False), chapter="12", quick=False, reached=np.int64(8), time_ratio=0.4312
    )
    assert missed.status == "failed"
    assert missed.mark == "goal not met: reached 8, time_ratio 0.4312"
    assert missed.css_classes == ["goal", "goal-unmet"]
    for unchecked in (
        claims.check_goal("race", False, chapter="12", quick=True),
        claims.check_goal("race", False, chapter="12", quick=False, measured=False),
    ):
        assert (unchecked.mark, unchecked.css_classes) == (
            "goal not checked ○",
            ["goal", "goal-unchecked"],
        )
    assert claims.check_goal("race", False, chapter="12", quick=True, always=True).mark == (
        "goal not met"
    )


@pytest.mark.parametrize("key", ["Race", "race-goal", "", None])
def test_a_goal_with_a_bad_key_is_refused(key):
    with pytest.raises(ValueError, match="a goal's key is lower-case letters"):
        claims.check_goal(key, True, chapter="12", quick=False)


@pytest.mark.parametrize("met", [1, 0.99, "met", None])
def test_a_goal_whose_condition_is_not_true_or_false_is_refused(met):
    with pytest.raises(TypeError, match="goal 'race': the condition must be True or False"):
        claims.check_goal("race", met, chapter="12", quick=False)


def test_run_goal_glues_a_goal_under_the_claims_mime_type(monkeypatch):
    glued = {}
    monkeypatch.setattr("mnist_utils.runtime.glue", lambda k, v: glued.update({k: v}))
    run = ChapterRun(seed=0, quick=False, chapter="12")
    run.goal("race_goal", 9 >= 10, reached=9, runs=10, time_ratio=0.43)
    bundle = glued["race_goal"]._repr_mimebundle_()
    assert bundle["text/plain"] == "goal not met: reached 9, runs 10, time_ratio 0.43"
    assert bundle[claims.CLAIM_MIME] == {
        "key": "race_goal",
        "chapter": "12",
        "status": "failed",
        "values": {"reached": 9, "runs": 10, "time_ratio": 0.43},
        "kind": "goal",
    }
    with pytest.raises(TypeError, match="must be True or False"):
        run.goal("race_goal", 0.9)


def test_goals_are_reported_apart_and_never_fail_a_build(tmp_path):
    glued = [
        claims.check("a", True, chapter="05", quick=False),
        claims.check("b", False, chapter="06", quick=False, x=1.5),
        claims.check_goal("race", False, chapter="12", quick=False, reached=9, runs=10),
        claims.check_goal("best", True, chapter="12", quick=False, acc=99.6),
        claims.check_goal("ensemble", False, chapter="12", quick=True),
        claims.check_goal("slow", False, chapter="12", quick=False),
    ]
    glue = {c.key: {"data": {claims.CLAIM_MIME: c.as_dict()}} for c in glued}
    (tmp_path / "12_x.glue.json").write_text(json.dumps(glue))
    found = claims.claims_in_build(tmp_path)
    assert found == glued
    assert claims.failed(found) == [glued[1]]
    assert claims.failed(glued[2:]) == []
    assert [g.key for g in claims.goals(found)] == ["race", "best", "ensemble", "slow"]
    assert claims.report(found).splitlines() == [
        "claims: 2 in all; 1 held, 1 failed, 0 not checked",
        "goals: 4 in all; 1 met, 2 not met, 1 not checked",
        "  FAILED  chapter 06  b: ✗ x 1.5",
        "  NOT MET  chapter 12  race: reached 9, runs 10",
        "  NOT MET  chapter 12  slow: goal not met",
    ]


def test_a_claim_glued_before_goals_existed_reads_back_as_a_claim():
    data = {"key": "a", "chapter": "05", "status": "failed", "values": {"x": 1}}
    (claim,) = claims.claims_in_glue({"a": {"data": {claims.CLAIM_MIME: data}}})
    assert (claim.kind, claim.mark) == ("claim", "✗ x 1")


def test_the_claims_page_lists_each_claim_with_its_sentence_link_and_mark(tmp_path):
    from mnist_utils.claim_index import claims_table, goals_table

    chapters, executed = tmp_path / "chapters", tmp_path / "build" / "jupyter_execute"
    chapters.mkdir()
    (executed / "chapters").mkdir(parents=True)
    markdown = (
        "# Fine-tuning\n\nThe probe stays at {glue:text}`probe:.1f`% {claim}`probe_low`. "
        "The goal was {glue:text}`target:.0f`% on every seed {goal}`all_seeds`."
    )
    notebook = {"cells": [{"cell_type": "markdown", "source": [markdown]}]}
    (chapters / "08_fine_tuning.ipynb").write_text(json.dumps(notebook))
    lost = claims.check("probe_low", False, chapter="08", quick=False, probe=97.5)
    missed = claims.check_goal("all_seeds", False, chapter="08", quick=False, reached=2, runs=3)
    glue = {
        "probe": {"data": {"text/plain": "97.5"}},
        "target": {"data": {"text/plain": "99"}},
        "probe_low": {"data": {"text/plain": lost.mark, claims.CLAIM_MIME: lost.as_dict()}},
        "all_seeds": {"data": {"text/plain": missed.mark, claims.CLAIM_MIME: missed.as_dict()}},
    }
    (executed / "chapters" / "08_fine_tuning.glue.json").write_text(json.dumps(glue))
    table = claims_table(tmp_path / "build", chapters)
    assert table.startswith("<p>✓ 0 · ✗ 1 · ○ 0</p>")
    assert (
        '<a href="../chapters/08_fine_tuning.html#claim-probe_low">The probe stays at 97.5%</a>'
        in table
    )
    assert '<span class="claim claim-failed">✗ probe 97.5</span>' in table
    assert "all_seeds" not in table, "goals are listed apart from the claims"
    goals = goals_table(tmp_path / "build", chapters)
    assert (
        '<a href="../chapters/08_fine_tuning.html#goal-all_seeds">'
        "The goal was 99% on every seed</a>" in goals
    )
    assert '<span class="goal goal-unmet">goal not met: reached 2, runs 3</span>' in goals
    assert "probe_low" not in goals


def test_a_claim_on_a_measurement_switched_off_is_not_checked():
    claim = claims.check("crop_saves_time", False, chapter="12", quick=False, measured=False)
    assert (claim.status, claim.mark) == ("unchecked", "○")


def test_a_full_stop_inside_brackets_does_not_cut_a_claims_sentence():
    markdown = (
        "Start. BatchNorm adds 32 per layer (the mean and variance. are not trained) {claim}`k`."
    )
    assert claims.claim_sentences(markdown) == {
        "k": "BatchNorm adds 32 per layer (the mean and variance. are not trained)"
    }


def test_a_claims_sentence_in_an_answer_box_starts_after_the_directive_lines():
    markdown = (
        ":::{admonition} Answer\n:class: dropdown\nThe maps go 28 → 26, so it fits "
        "{claim}`fits`.\n:::\n"
    )
    assert claims.claim_sentences(markdown) == {"fits": "The maps go 28 → 26, so it fits"}


def test_other_roles_in_a_claims_sentence_read_as_the_words_they_show():
    markdown = (
        "In {numref}`fig-01-steps` the {term}`loss <Loss function>` falls, as "
        "{term}`accuracy` rises {claim}`falls`."
    )
    assert claims.claim_sentences(markdown) == {
        "falls": "In the figure the loss falls, as accuracy rises"
    }
    assert claims.claim_sentences(
        "在{numref}`fig-01-steps`中损失下降{claim}`falls`。", figure="该图"
    ) == {"falls": "在该图中损失下降"}
