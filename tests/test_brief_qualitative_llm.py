"""The model's qualitative step (rag.brief_qualitative_llm): which sentences it sees, and what code keeps."""

from __future__ import annotations

import json
import re

from rag.brief_check import drop_ungrounded, verify_brief
from rag.brief_qualitative import chunks_of_file, read_qualitative
from rag.brief_qualitative_llm import map_qualitative
from rag.brief_read import read_units
from rag.brief_schema import CountyBrief, DocumentInfo
from rag.settings import Settings
from rag.structured import JSON_MODE, StructuredLLM
from tests.fakes import FakeLLM

DOC = """镇远县2024年政府工作报告

一、2023年工作回顾
过去一年,全县上下坚持“文旅兴县、工业强县”发展思路,城乡面貌显著改善。
成功创建国家全域旅游示范区,获评全国文明城市提名城市。
主要经济指标均实现增长,综合实力明显增强。
地区生产总值完成120亿元,增长6.5%。

二、2024年工作安排
坚持生态优先、绿色发展,全力争创省级乡村振兴示范县。
"""


def _setup(tmp_path):
    path = tmp_path / "zhenyuan.txt"
    path.write_text(DOC, "utf-8")
    chunks = chunks_of_file(path)
    units = read_units(chunks)
    return chunks, units, read_qualitative(chunks, units, chunks[0].meta)


def _numbered(messages) -> dict[int, str]:
    return {int(n): t for n, t in re.findall(r"^\[(\d+)\](.*)$", messages[-1]["content"], flags=re.M)}


def test_the_model_sees_only_cued_sentences_and_code_keeps_what_stands_in_them(tmp_path):
    chunks, units, rules = _setup(tmp_path)
    fake = FakeLLM()
    structured = StructuredLLM(fake, mode=JSON_MODE)
    sentence_of = {}

    def reply(messages):
        shown = _numbered(messages)
        sentence_of.update(shown)
        n_outcome = next(n for n, t in shown.items() if "显著改善" in t)
        rows = [[n_outcome, "成效", "城乡面貌显著改善"],           # kept: in its sentence
                [n_outcome, "格局", "建设现代化产业体系新高地"],     # dropped: not in its sentence
                [999, "荣誉", "全国百强县"]]                         # dropped: sentence not shown
        rows += [[n, "承诺", m.group(0)] for n, t in shown.items() for m in [re.search(r"争创[^,。]+", t)] if m]
        return json.dumps({"items": rows}, ensure_ascii=False)

    fake.complete = lambda messages, **kw: (fake.calls.append(messages), reply(messages))[1]
    dropped = []
    added = map_qualitative(units, rules, structured, Settings(), dropped, lambda *_: None, plan_year=2024)
    assert len(fake.calls) == 1
    shown = list(sentence_of.values())
    assert not any("120亿元" in t for t in shown)  # no qualitative cue: never sent
    assert [o.text for o in added["outcomes"]] == ["城乡面貌显著改善"]
    assert any(o.source.quote in DOC.replace("\n", "") or o.source.quote in DOC for o in added["outcomes"])
    reasons = sorted(d.reason for d in dropped)
    assert reasons == ["cites sentence [999], which was not in the prompt", "the phrase is not drawn from its quote"]
    # 争创省级乡村振兴示范县 is a rule commitment already: the model's copy is not added twice.
    rule_commitments = [c.text for c in rules["commitments"]]
    assert any("乡村振兴示范县" in t for t in rule_commitments)
    assert not any("乡村振兴示范县" in c.text for c in added["commitments"])


def test_added_items_pass_the_briefs_grounding_check(tmp_path):
    chunks, units, rules = _setup(tmp_path)
    n_by_text = {u.text: u.n for u in units}
    target = next(t for t in n_by_text if "文旅兴县" in t)
    fake = FakeLLM(json.dumps({"items": [[n_by_text[target], "格局", "“文旅兴县、工业强县”发展思路"]]}, ensure_ascii=False))
    dropped = []
    rules_without_frames = {**rules, "frameworks": []}
    added = map_qualitative(units, rules_without_frames, StructuredLLM(fake, mode=JSON_MODE), Settings(), dropped,
                            lambda *_: None, plan_year=2024)
    assert [f.name for f in added["frameworks"]] == ["“文旅兴县、工业强县”发展思路"]
    brief = CountyBrief(county="镇远县", document=DocumentInfo(file="zhenyuan.txt"),
                        **{**rules_without_frames, "frameworks": added["frameworks"]})
    by_id = {c.id: c for c in chunks}
    assert verify_brief(drop_ungrounded(brief, by_id), chunks) == []
    assert drop_ungrounded(brief, by_id).frameworks  # grounded, so kept


def test_no_call_when_every_cue_is_explained_by_the_rules(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("某县2024年政府工作报告\n\n一、2023年工作回顾\n地区生产总值完成120亿元,增长6.5%。\n", "utf-8")
    chunks = chunks_of_file(path)
    units = read_units(chunks)
    fake = FakeLLM()  # any call would fail the test
    added = map_qualitative(units, read_qualitative(chunks, units, chunks[0].meta), StructuredLLM(fake, mode=JSON_MODE),
                            Settings(), [], lambda *_: None, plan_year=2024)
    assert fake.calls == [] and not any(added.values())


def test_the_step_is_off_by_default(tmp_path):
    settings = Settings()
    assert settings.brief.llm_qualitative is False
    from rag.brief import generate_brief

    chunks, _, _ = _setup(tmp_path)
    fake = FakeLLM()
    fake.complete = lambda messages, **kw: (_ for _ in ()).throw(AssertionError("qualitative prompt sent")) \
        if "数字以外的要点" in messages[0]["content"] else json.dumps({"items": [], "projects": [], "tasks": [],
                                                                      "headline": "镇远县报告"}, ensure_ascii=False)
    brief = generate_brief(chunks, fake, settings)
    assert brief.county


def test_a_miscounted_sentence_number_is_resolved_by_the_phrase_and_boilerplate_is_skipped(tmp_path):
    chunks, units, rules = _setup(tmp_path)
    fake = FakeLLM()

    def reply(messages):
        shown = _numbered(messages)
        wrong = max(shown) + 3  # a small model continues the numbering past what it was shown
        return json.dumps({"items": [[wrong, "成效", "城乡面貌显著改善"], [1, "承诺", "在县委的坚强领导下"]]},
                          ensure_ascii=False)

    fake.complete = lambda messages, **kw: (fake.calls.append(messages), reply(messages))[1]
    dropped = []
    added = map_qualitative(units, rules, StructuredLLM(fake, mode=JSON_MODE), Settings(), dropped,
                            lambda *_: None, plan_year=2024)
    assert [(o.text, "显著改善" in o.source.quote) for o in added["outcomes"]] == [("城乡面貌显著改善", True)]
    assert not added["commitments"] and dropped == []
