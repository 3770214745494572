"""Each answer stage on its own: scope, retrieve, select, gate, generate, verify."""

from __future__ import annotations

from rag.answer import STAGES, generate, scope, unknown_place_refusal
from rag.evidence import Passage, gate, select_passages
from rag.figures import TARGET
from rag.question import read_question
from rag.retrieval import Retrieval
from rag.store import StoredChunk
from rag.verify import parse_claims, verify
from tests.fakes import FakeLLM


def _chunk(n, text, county="兴山县", heading="", **meta):
    return StoredChunk(f"c-{n:04d}", text, {"county": county, "heading": heading, "source": f"/r/{county}.txt",
                                            "index": n, **meta})


def _passage(n, text, county="兴山县", heading=""):
    chunk = _chunk(n, text, county, heading)
    return Passage(n, chunk, text)


# --- scope ----------------------------------------------------------------------------------


def test_the_question_is_read_once_into_what_it_asks():
    q = read_question("兴山县2024年地区生产总值增长目标是多少?")
    assert q.years == {2024} and q.kind == TARGET and q.is_quantity
    assert q.families == {"percent", "points", "permille"}  # a growth question wants a rate
    assert not q.is_list and not q.is_yes_no and q.compare is None
    assert read_question("兴山县2024年有哪些重点任务").is_list
    assert read_question("报告是谁作的").is_doc_info
    assert read_question("是否完成了目标?").is_yes_no
    assert read_question("粮食总产量是多少万吨").families == {"weight"}


def test_scope_names_indexed_places_in_any_written_form(indexed):
    q, routing = scope("興山縣和芦山2023年地区生产总值", indexed.retriever)
    assert routing.scope == ["兴山县", "芦山县"] and q.places == ["兴山县", "芦山县"]
    assert unknown_place_refusal(routing, indexed.retriever) is None
    _, routing = scope("北川县2023年地区生产总值", indexed.retriever)
    reason, what = unknown_place_refusal(routing, indexed.retriever)
    assert "北川羌族自治县" in reason and "兴山县" in what
    _, routing = scope("2023年地区生产总值是多少", indexed.retriever)
    assert routing.scope == [] and unknown_place_refusal(routing, indexed.retriever) is None  # searches all


# --- select ---------------------------------------------------------------------------------


def test_select_gives_each_place_its_share_and_numbers_passages(settings):
    hits = [_chunk(1, "兴山县地区生产总值170亿元。其他内容很多。" * 3, "兴山县"),
            _chunk(2, "芦山县地区生产总值70亿元。", "芦山县")]
    q = read_question("兴山县和芦山县地区生产总值分别是多少")
    passages = select_passages(q, Retrieval(hits=hits, scope=["兴山县", "芦山县"]), hits, settings)
    assert [p.chunk.county for p in passages] == ["兴山县", "芦山县"]
    assert [p.n for p in passages] == [1, 2]
    assert all("地区生产总值" in p.text for p in passages)


def test_select_adds_document_facts_as_a_derived_passage(settings):
    opening = _chunk(0, "政府工作报告", title="2024年兴山县政府工作报告", speaker="张三", date="2024-01-15")
    hit = _chunk(3, "报告由县长作出。")
    q = read_question("兴山县政府工作报告是谁作的")
    passages = select_passages(q, Retrieval(hits=[hit], scope=["兴山县"]), [opening, hit], settings)
    assert passages[0].derived and "报告人：张三" in passages[0].text and "日期：2024年1月15日" in passages[0].text
    assert passages[0].chunk.id == opening.id  # cited to the document's opening chunk


# --- gate -----------------------------------------------------------------------------------


def test_gate_refuses_missing_terms_and_missing_years_and_passes_otherwise():
    passages = [_passage(1, "2023年地区生产总值170亿元。", heading="一、2023年工作回顾")]
    q = read_question("兴山县2023年城镇登记失业率是多少")
    q.places.append("兴山县")
    assert "key terms" in gate(q, passages, 0.6)
    q = read_question("兴山县2019年地区生产总值是多少")
    q.places.append("兴山县")
    assert "year(s) [2019]" in gate(q, passages, 0.6)
    q = read_question("兴山县2023年地区生产总值是多少")
    q.places.append("兴山县")
    assert gate(q, passages, 0.6) is None


# --- generate -------------------------------------------------------------------------------


def test_generate_sends_labelled_passages_and_times_the_model():
    llm = FakeLLM("170亿元[1]。")
    timings: dict[str, float] = {}
    tokens: list[str] = []
    q = read_question("兴山县2023年地区生产总值是否超过160亿元")
    raw = generate([_passage(1, "地区生产总值170亿元。", heading="一、2023年工作回顾")], q, llm, timings, tokens.append)
    assert raw == "170亿元[1]。" and "".join(tokens) == raw
    user = llm.calls[0][1]["content"]
    assert "[1]〔兴山县｜一、2023年工作回顾〕地区生产总值170亿元。" in user
    assert "是非题" in user  # the yes/no hint rides in the user turn only
    assert {"first_token", "generate"} <= set(timings)


# --- verify ---------------------------------------------------------------------------------


def test_the_answer_is_parsed_once_into_claims():
    q = read_question("兴山县2023年地区生产总值是多少")
    claims = parse_claims("1. 地区生产总值170亿元[1]。\n2. 增长8%[1,2]。", q)
    assert [c.cited for c in claims] == [[1], [1, 2]]
    assert [[f.value for f in c.figures] for c in claims] == [["170"], ["8"]]  # 2023 is the question's


def test_verify_reasons_in_order():
    passages = [_passage(1, "2023年地区生产总值170亿元,增长8%。", heading="一、2023年工作回顾")]
    evidence = passages[0].chunk.text
    q = read_question("兴山县2023年地区生产总值是多少")
    assert verify("", q, passages, evidence).reason == "the model returned an empty answer"
    assert "no answer" in verify("文档中未提及。", q, passages, evidence).reason
    assert "lacked support" in verify("地区生产总值999亿元[1]。", q, passages, evidence).reason
    assert "gives none" in verify("地区生产总值较快增长[1]。", q, passages, evidence).reason
    growth = read_question("兴山县2023年地区生产总值增长多少?")
    assert "the question asks for" in verify("地区生产总值170亿元[1]。", growth, passages, evidence).reason
    # One sentence is one claim: a supported figure does not carry an unsupported one.
    assert "lacked support" in verify("地区生产总值170亿元[1]，另有999亿元。", q, passages, evidence).reason


def test_verify_keeps_supported_claims_and_cites_what_holds_their_figures():
    passages = [_passage(1, "城镇居民人均可支配收入增长6.2%。"), _passage(2, "2023年地区生产总值170亿元。")]
    q = read_question("兴山县2023年地区生产总值是多少")
    done = verify("兴山县地区生产总值170亿元。另有进出口999亿元。", q, passages, "2023年地区生产总值170亿元。")
    assert done.reason == "" and done.text == "兴山县地区生产总值170亿元。"
    assert [p.n for p in done.cited] == [2] and done.dropped == ["另有进出口999亿元。"]


def test_stages_are_named_and_a_refusal_says_which(indexed, fake_llm):
    indexed.settings.retrieval.dense_weight = 0.0
    assert STAGES == ("scope", "documents", "ledger", "retrieve", "select", "gate", "generate", "verify")
    assert indexed.ask("北川县2023年地区生产总值是多少").stage == "scope"
    assert indexed.ask("兴山县2023年城镇登记失业率是多少").stage == "gate"
    fake_llm.queue("地区生产总值是888亿元[1]。")
    refused = indexed.ask("兴山县2023年地区生产总值是多少")
    assert refused.stage == "verify" and refused.to_dict()["stage"] == "verify"
    fake_llm.queue("预计完成地区生产总值170亿元[1]。")
    assert indexed.ask("兴山县2023年地区生产总值是多少").stage == ""


def test_a_figure_bound_to_another_indicator_does_not_support_a_claim():
    from rag.verify import check_answer

    passages = [_passage(1, "2022年全社会固定资产投资增长8%,地区生产总值增幅不低于全市平均水平。", heading="一、2022年工作回顾")]
    q = "通江县2022年地区生产总值增长多少"
    text, _, dropped = check_answer("地区生产总值增长8%[1]。", passages, q)
    assert text == "" and dropped == ["地区生产总值增长8%。"]
    text, _, dropped = check_answer("固定资产投资增长8%[1]。", passages, "通江县2022年固定资产投资增长多少")
    assert text and not dropped
    # A claim that names no indicator is checked on number, year, kind and unit alone.
    assert check_answer("增长8%[1]。", passages, "通江县2022年固定资产投资增长多少")[0]


# --- verify: place forms and counted lists --------------------------------------------------

def _listed(n: int, text: str) -> Passage:
    return Passage(n, StoredChunk(f"c{n}", text, {"county": "林西县"}), text)


def test_a_place_written_in_another_form_than_the_evidence_is_put_back():
    from rag.verify import snap_place_forms

    evidence = "泾阳化工园成功创建全省首家D类化工园区。"
    assert snap_place_forms("泾阳县化工园[1]", evidence, ["泾阳县"]) == "泾阳化工园[1]"
    # the place followed by what the evidence itself writes after it stays as it is
    assert snap_place_forms("泾阳县2020年增长8%", "泾阳县2020年增长8%", ["泾阳县"]) == "泾阳县2020年增长8%"
    # no other form of the place makes a span of the evidence: unchanged
    assert snap_place_forms("泾阳县工业园", evidence, ["泾阳县"]) == "泾阳县工业园"


def test_a_counted_list_answered_short_is_completed_verbatim_from_the_source():
    from rag.verify import complete_enumeration

    passage = _listed(1, "聚焦新能源新材料、林西銀耳(食用菌)兩個百億產業集羣,以工業發展理念重構特色農業產業鏈條")
    text, source = complete_enumeration("林西銀耳(食用菌)", "林西縣提到聚焦的兩個百億產業集羣是什麼?", [passage])
    assert text == "新能源新材料、林西銀耳(食用菌)兩個百億產業集羣[1]。" and source is passage
    # every item already named (the gloss in brackets may be left out): the answer stands
    assert complete_enumeration("新能源新材料和林西銀耳", "兩個百億產業集羣是什麼?", [passage]) == ("新能源新材料和林西銀耳", None)


def test_a_quoted_counted_list_keeps_its_quotes_and_a_count_that_does_not_match_changes_nothing():
    from rag.verify import complete_enumeration

    passage = _listed(2, "实施纺织产业“技改提能、数字赋能、扩产增能”三项行动。")
    assert complete_enumeration("技改提能", "纺织产业要实施哪三项行动?", [passage])[0] == "“技改提能、数字赋能、扩产增能”三项行动[2]。"
    # the question counts four, the source enumerates three: not this list
    assert complete_enumeration("技改提能", "纺织产业要实施哪四项行动?", [passage]) == ("技改提能", None)
    # no count in the question: nothing to complete
    assert complete_enumeration("技改提能", "纺织产业要实施哪些行动?", [passage]) == ("技改提能", None)
