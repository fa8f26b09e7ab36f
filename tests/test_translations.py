"""The Chinese edition's catalogues: every message translated, none fuzzy, the markup
kept and the glossary's terms used (tools/translations.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import translations  # noqa: E402

TERMS = translations.glossary_terms()


def test_markup_is_found_kind_by_kind():
    text = (
        "The {term}`accuracy` of `model.fit` is {glue:text}`acc:.2f`% {claim}`held`, "
        "$3 \\times 3$, see [chapter 5](05_keras_baseline.ipynb) and {{ title }}."
    )
    assert translations.markup(text) == {
        "roles": ["{claim}held", "{glue:text}acc:.2f", "{term}accuracy"],
        "inline code": ["model.fit"],
        "math": ["3 \\times 3"],
        "link targets": ["05_keras_baseline.ipynb"],
        "substitutions": ["{{ title }}"],
    }


def test_a_translation_may_reword_a_term_role_but_keeps_its_target():
    msgid = "Its {term}`accuracy` is {glue:text}`acc:.2f`%."
    assert (
        translations.problems(
            msgid, "它的{term}`准确率 <accuracy>`是 {glue:text}`acc:.2f`%。", TERMS
        )
        == []
    )
    assert translations.problems(msgid, "它的{term}`准确率`是 {glue:text}`acc:.2f`%。", TERMS) == [
        "roles differ: ['{glue:text}acc:.2f', '{term}accuracy'] → "
        "['{glue:text}acc:.2f', '{term}准确率']"
    ]


def test_lost_code_math_or_link_targets_are_problems():
    msgid = "Call `fit` on $x$ ([chapter 5](05.ipynb))."
    assert translations.problems(msgid, "调用 `fit`，作用于 $x$（[第 5 章](05.ipynb)）。") == []
    found = translations.problems(msgid, "调用 fit，作用于 x（[第 5 章](06.ipynb)）。")
    assert [problem.split(":")[0] for problem in found] == [
        "inline code differ",
        "math differ",
        "link targets differ",
    ]
    assert translations.problems(msgid, "") == ["untranslated"]


def test_accuracy_is_always_准确率_and_precision_精确率():
    assert TERMS["Accuracy"] == "准确率" and TERMS["Precision"] == "精确率"
    assert translations.missing_terms("Test accuracy", "测试精度", TERMS) == ["Accuracy → 准确率"]
    assert translations.missing_terms("Precision and recall", "精确率与召回率", TERMS) == []
    assert translations.missing_terms("Precision and recall", "准确率与召回率", TERMS) == [
        "Precision → 精确率"
    ]
    # numeric precision is another word: 精度
    assert translations.missing_terms("in bfloat16 precision", "以 bfloat16 精度", TERMS) == []


def test_the_longest_term_wins():
    assert translations.missing_terms("the batch size", "批量大小", TERMS) == []
    assert translations.missing_terms("batch normalization", "批归一化", TERMS) == []
    assert translations.missing_terms("max pooling and pooling", "最大池化", TERMS) == []
    assert translations.missing_terms("max pooling", "池化", TERMS) == ["Max pooling → 最大池化"]


def test_names_kept_in_latin_letters_are_not_terms_to_translate():
    assert "ReLU" not in TERMS and "MNIST" not in TERMS and "Adam" not in TERMS
    for chinese in TERMS.values():
        assert not any("a" <= ch.lower() <= "z" for ch in chinese), chinese


def test_every_page_of_the_book_has_a_catalogue():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = {toc["root"]}
    for part in toc["parts"]:
        pages |= {chapter["file"] for chapter in part["chapters"]}
    catalogues = {
        str(path.relative_to(translations.CATALOGUES).with_suffix(""))
        for path in translations.CATALOGUES.rglob("*.po")
    }
    assert catalogues == pages


def test_every_message_is_translated_none_fuzzy_markup_kept_terms_used():
    found = translations.check()
    assert not found, (
        f"{len(found)} problem(s) in the Chinese catalogues (run `make translations` after an "
        "English change, then translate):\n" + "\n".join(found[:40])
    )


@pytest.mark.site
def test_the_catalogues_hold_every_message_of_the_current_source():
    """After a site build: extract the English source again and compare, so an English
    change whose catalogues were not refreshed (`make translations`) cannot land."""
    from babel.messages.pofile import read_po

    templates = translations.extract(ROOT)
    stale = []
    for template in sorted(templates.rglob("*.pot")):
        page = template.relative_to(templates).with_suffix("")
        catalogue = translations.CATALOGUES / page.with_suffix(".po")
        with template.open("rb") as handle:
            wanted = {m.id for m in read_po(handle) if m.id}
        have = set()
        if catalogue.is_file():
            with catalogue.open("rb") as handle:
                have = {m.id for m in read_po(handle) if m.id and m.string and not m.fuzzy}
        stale += [f"{page}: {message[:70]!r}" for message in sorted(wanted - have)]
    assert not stale, (
        f"{len(stale)} English message(s) have no Chinese: run `make translations` and "
        "translate them:\n" + "\n".join(stale[:40])
    )
