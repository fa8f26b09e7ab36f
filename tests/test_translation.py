"""The Chinese edition's notebooks and claims (mnist_utils.translation): markdown translated
block by block from a catalogue with its structure kept, every message of every chapter's
catalogue found in the chapter, and a Chinese claim's sentence cut at its full stop."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from mnist_utils import claims
from mnist_utils.translation import (
    MYST_EXTENSIONS,
    load_catalogue,
    translate_markdown,
    translate_notebook,
)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "locale" / "zh_CN" / "LC_MESSAGES"
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def catalogue(messages: dict[str, str], fuzzy: tuple[str, ...] = ()) -> Catalog:
    """A catalogue holding ``messages`` (msgid → msgstr); those in ``fuzzy`` marked fuzzy."""
    built = Catalog(locale="zh_CN")
    for msgid, msgstr in messages.items():
        built.add(msgid, msgstr, flags=("fuzzy",) if msgid in fuzzy else ())
    return built


def test_a_paragraph_over_several_lines_is_one_message_and_becomes_one_line():
    text = "A convolution slides a kernel\nover the image.\n\nNext paragraph.\n"
    zh = catalogue(
        {
            "A convolution slides a kernel over the image.": "卷积让卷积核在图像上滑动。",
            "Next paragraph.": "下一段。",
        }
    )
    assert translate_markdown(text, zh) == "卷积让卷积核在图像上滑动。\n\n下一段。\n"


def test_list_items_keep_their_markers_and_indentation():
    text = "* **Layout.** PyTorch stores\n  images as `(N, C, H, W)`.\n* Untranslated.\n"
    zh = catalogue({"**Layout.** PyTorch stores images as `(N, C, H, W)`.": "**布局。** ……"})
    fallbacks: list[str] = []
    assert translate_markdown(text, zh, fallbacks) == "* **布局。** ……\n* Untranslated.\n"
    assert fallbacks == ["Untranslated."]


def test_an_admonition_in_a_list_item_has_its_title_and_body_translated_options_kept():
    text = (
        "1. **By hand.** What is the size?\n"
        "\n"
        "   :::{admonition} Answer\n"
        "   :class: dropdown\n"
        "   It is $24 \\times 24$,\n"
        "   then 12.\n"
        "\n"
        "   - a list inside\n"
        "   :::\n"
    )
    zh = catalogue(
        {
            "**By hand.** What is the size?": "**手算。** 尺寸是多少？",
            "Answer": "答案",
            "It is $24 \\times 24$, then 12.": "是 $24 \\times 24$，然后是 12。",
            "a list inside": "里面的列表",
        }
    )
    assert translate_markdown(text, zh) == (
        "1. **手算。** 尺寸是多少？\n"
        "\n"
        "   :::{admonition} 答案\n"
        "   :class: dropdown\n"
        "   是 $24 \\times 24$，然后是 12。\n"
        "\n"
        "   - 里面的列表\n"
        "   :::\n"
    )


def test_an_admonition_inside_an_admonition_and_a_warning_fence_are_translated():
    text = (
        "::::{note}\n"
        ":::{admonition} Source check: article 003\n"
        ":class: dropdown source-check\n"
        ":name: src-x\n"
        "\n"
        "> Quoted\n"
        "> words.\n"
        ":::\n"
        "::::\n"
        "\n"
        "```{warning}\n"
        "Slow cell.\n"
        "```\n"
    )
    zh = catalogue(
        {
            "Source check: article 003": "原文核对：原文 003",
            "Quoted words.": "引用的话。",
            "Slow cell.": "慢单元格。",
        }
    )
    assert translate_markdown(text, zh) == (
        "::::{note}\n"
        ":::{admonition} 原文核对：原文 003\n"
        ":class: dropdown source-check\n"
        ":name: src-x\n"
        "\n"
        "> 引用的话。\n"
        ":::\n"
        "::::\n"
        "\n"
        "```{warning}\n"
        "慢单元格。\n"
        "```\n"
    )


def test_table_cells_are_translated_between_their_pipes():
    text = "| piece | what it does |\n|---|---|\n| `torch.Tensor` | arrays |\n"
    zh = catalogue({"piece": "组件", "what it does": "作用", "arrays": "数组 | 张量"})
    assert translate_markdown(text, zh) == (
        "| 组件 | 作用 |\n|---|---|\n| `torch.Tensor` | 数组 \\| 张量 |\n"
    )


def test_headings_keep_their_hashes():
    text = "# 5. A Keras baseline\n\n## Exercises\n"
    zh = catalogue({"5. A Keras baseline": "5. Keras 基线", "Exercises": "练习"})
    assert translate_markdown(text, zh) == "# 5. Keras 基线\n\n## 练习\n"


def test_a_fuzzy_or_untranslated_message_stays_english():
    text = "Changed sentence.\n\nNew sentence.\n\nKept.\n"
    zh = catalogue(
        {"Changed sentence.": "旧的译文。", "New sentence.": "", "Kept.": "保留。"},
        fuzzy=("Changed sentence.",),
    )
    fallbacks: list[str] = []
    assert translate_markdown(text, zh, fallbacks) == (
        "Changed sentence.\n\nNew sentence.\n\n保留。\n"
    )
    assert fallbacks == ["Changed sentence.", "New sentence."]


def test_a_math_block_is_left_as_written_and_noted():
    text = "The loss is\n\n$$\nL = -\\ln p\n$$\n"
    zh = catalogue({"The loss is": "损失为", "\nL = -\\ln p\n": "\nL = -\\ln q\n"})
    untouched: list[str] = []
    assert translate_markdown(text, zh, untouched=untouched) == "损失为\n\n$$\nL = -\\ln p\n$$\n"
    assert untouched == ["\nL = -\\ln p\n"]


def test_code_and_mermaid_fences_are_left_as_written():
    text = "```python\nprint('Hello.')\n```\n\n```mermaid\nflowchart LR\n  A[Hello.] --> B\n```\n"
    zh = catalogue({"Hello.": "你好。", "print('Hello.')": "打印"})
    assert translate_markdown(text, zh) == text


def test_a_notebook_keeps_its_code_and_gets_its_captions_translated():
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["## Setup\n", "\n", "Text."]},
            {
                "cell_type": "code",
                "metadata": {
                    "mystnb": {
                        "figure": {"caption": "The kernel.", "name": "fig-x"},
                        "image": {"alt": "A grid."},
                    }
                },
                "source": ["# Setup\n", "x = 1"],
                "outputs": [],
                "execution_count": None,
            },
        ]
    }
    zh = catalogue({"Setup": "准备工作", "Text.": "正文。", "The kernel.": "卷积核。"})
    fallbacks: list[str] = []
    translated = translate_notebook(notebook, zh, fallbacks)
    markdown, code = translated["cells"]
    assert "".join(markdown["source"]) == "## 准备工作\n\n正文。"
    assert code["source"] == ["# Setup\n", "x = 1"]
    assert code["metadata"]["mystnb"]["figure"] == {"caption": "卷积核。", "name": "fig-x"}
    assert code["metadata"]["mystnb"]["image"] == {"alt": "A grid."}
    assert fallbacks == ["A grid."]
    assert notebook["cells"][1]["metadata"]["mystnb"]["figure"]["caption"] == "The kernel."


def test_the_translator_reads_markdown_with_the_books_extensions():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert sorted(config["parse"]["myst_enable_extensions"]) == sorted(MYST_EXTENSIONS)


@pytest.mark.parametrize(
    "notebook",
    [p for p in CHAPTERS if (CATALOGUES / "chapters" / f"{p.stem}.po").is_file()],
    ids=lambda p: p.stem,
)
def test_every_message_of_a_chapters_catalogue_is_found_in_the_chapter(notebook):
    """Each message of the catalogue, translated as "ZH:" + itself, is in the translated
    chapter: the translator cuts the chapter into the blocks Sphinx extracted. Math blocks
    are found too, and kept as written."""
    extracted = load_catalogue(f"chapters/{notebook.stem}", root=ROOT)
    ids = [m.id for m in extracted if m.id]
    marked = catalogue({msgid: f"ZH:{msgid}" for msgid in ids})
    untouched: list[str] = []
    source = json.loads(notebook.read_text(encoding="utf-8"))
    translated = translate_notebook(source, marked, untouched=untouched)
    text = []
    for cell in translated["cells"]:
        if cell["cell_type"] == "markdown":
            text.append("".join(cell["source"]))
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        text += [
            mystnb.get("figure", {}).get("caption", ""),
            mystnb.get("image", {}).get("alt", ""),
        ]
    found = "\n".join(text)
    missed = [m for m in ids if f"ZH:{m}" not in found and m not in untouched]
    assert not missed, f"{len(missed)} messages not found, e.g. {missed[:3]}"


def test_a_chinese_claims_sentence_is_cut_at_its_full_stop():
    markdown = (
        "本章训练基线网络。在验证集上，修复后的方案达到 {glue:text}`acc:.2f`%（比原文的高一个多点）"
        "{claim}`repaired_better`。因此验证集更偏向修复后的方案：{claim}`prefers`\n\n"
        "- 英文句子不变. It holds {claim}`english`."
    )
    sentences = claims.claim_sentences(markdown, {"acc": {"data": {"text/plain": "98.934"}}})
    assert sentences == {
        "repaired_better": "在验证集上，修复后的方案达到 98.93%（比原文的高一个多点）",
        "prefers": "因此验证集更偏向修复后的方案",
        "english": "It holds",
    }


def test_the_chinese_claims_page_lists_the_chinese_sentence(tmp_path, monkeypatch):
    from mnist_utils.claim_index import claims_table

    chapters, executed = tmp_path / "chapters", tmp_path / "build" / "jupyter_execute"
    chapters.mkdir()
    (executed / "chapters").mkdir(parents=True)
    markdown = "# Fine-tuning\n\nStart here. The probe stays low\n{claim}`probe_low`."
    notebook = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": [markdown]}]}
    (chapters / "08_fine_tuning.ipynb").write_text(json.dumps(notebook))
    held = claims.check("probe_low", True, chapter="08", quick=False)
    glue = {"probe_low": {"data": {"text/plain": held.mark, claims.CLAIM_MIME: held.as_dict()}}}
    (executed / "chapters" / "08_fine_tuning.glue.json").write_text(json.dumps(glue))
    po = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES" / "chapters" / "08_fine_tuning.po"
    po.parent.mkdir(parents=True)
    zh = catalogue(
        {
            "Fine-tuning": "微调",
            "Start here. The probe stays low {claim}`probe_low`.": (
                "从这里开始。线性探测一直偏低 {claim}`probe_low`。"
            ),
        }
    )
    with po.open("wb") as handle:
        write_po(handle, zh)
    english = claims_table(tmp_path / "build", chapters)
    assert ">The probe stays low</a>" in english
    monkeypatch.setenv("MNIST_BOOK_LANGUAGE", "zh_CN")
    chinese = claims_table(tmp_path / "build", chapters)
    assert '<td title="微调">8</td>' in chinese
    assert ">线性探测一直偏低</a>" in chinese


def test_a_mermaid_diagram_is_one_message_replaced_whole():
    source = 'flowchart LR\n    X["input image"] --> C["convolution"]'
    chinese = 'flowchart LR\n    X["输入图像"] --> C["卷积"]'
    text = f"Before.\n\n```mermaid\n{source}\n```\n\nAfter."
    assert translate_markdown(text, catalogue({source: chinese, "Before.": "之前。"})) == (
        f"之前。\n\n```mermaid\n{chinese}\n```\n\nAfter."
    )
