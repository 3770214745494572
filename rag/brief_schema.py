"""The ``CountyBrief`` schema, and the small schemas the LLM fills in during the map steps."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

BRIEF_VERSION = 10  # bump when generation changes in a way that should redo exported briefs

# [.] rather than an escaped dot: llama.cpp's GBNF parser rejects the escape its schema converter emits.
# Bounded lengths: the grammar built from an unbounded [0-9]+ let a small model write digits
# until max_tokens ran out, which no re-ask repairs.
NUMBER_PATTERN = r"^[0-9]{1,9}([.][0-9]{1,4})?$"
GROWTH_PATTERN = r"^-?[0-9]{1,4}([.][0-9]{1,3})?%$"
HEADLINE_MAX_CHARS = 200
MAX_TASKS = 8


# ---------------------------------------------------------------------------------------------
# The schema


class Source(BaseModel):
    """Where an item comes from: a chunk of the document and a verbatim quote from it."""

    chunk_id: str = Field(description="Id of the cited chunk, e.g. 024234ff5f19-0002.")
    quote: str = Field(description="Verbatim text of the cited chunk (its heading or body).")


class Indicator(BaseModel):
    """A figure the report gives: last year's result or this year's target."""

    name: str = Field(description="Indicator as the report names it, e.g. 地区生产总值.")
    value: str | None = Field(None, pattern=NUMBER_PATTERN, description="The amount as written, digits only, e.g. 170.")
    unit: str | None = Field(None, description="Unit of the value, e.g. 亿元, 万人次, 家, %.")
    growth: str | None = Field(None, pattern=GROWTH_PATTERN, description="Growth rate, e.g. 8%; a fall is negative.")
    qualifier: str | None = Field(None, description="Hedge the report attaches, e.g. 左右, 以上, 力争, 不低于.")
    year: int | None = Field(None, description="The year the figure is for.")
    source: Source


class Task(BaseModel):
    """A main task or priority, one line."""

    text: str = Field(max_length=80)
    source: Source


class Project(BaseModel):
    """A project the report names."""

    name: str
    source: Source


class Risk(BaseModel):
    """A shortcoming or risk the report admits."""

    text: str
    source: Source


class PolicyTerm(BaseModel):
    """A notable policy term or slogan, with the report's own explanation when it gives one."""

    term: str
    explanation: str | None = None
    source: Source


class Expansion(BaseModel):
    """One part of a framework as the text explains it (把“一县一城示范统揽”作为方向指引)."""

    text: str
    source: Source


class Framework(BaseModel):
    """A strategic framework: a development pattern, a numbered formula, a counted list, a brand or a slogan."""

    kind: Literal["发展格局", "提法", "品牌", "口号"]
    name: str = Field(description="As the text writes it, e.g. “一县一城示范统揽、两极三园联轴融圈、全域多点协同发展”县域发展新格局.")
    expansion: list[Expansion] = Field(default_factory=list, description="Its parts, where the text explains them.")
    source: Source


class Commitment(BaseModel):
    """A qualitative target: a title to win (创建…示范县), a pace (与经济增长同步), a rank to hold (保持…前列)."""

    text: str
    year: int | None = Field(None, description="The year it is for: one the sentence names (到2027年), else the plan year.")
    source: Source


class Decision(BaseModel):
    """A decision adopted or a document approved (审议通过了《…决定》)."""

    title: str = Field(description="The title as written, with its 《》 where it has them.")
    action: str | None = Field(None, description="The verb of adoption, e.g. 审议通过.")
    by: str | None = Field(None, description="The issuer the title names, e.g. 中共芦山县委.")
    own: bool = Field(False, description="Adopted by the body whose document this is (not reported from a higher one).")
    source: Source


class MeetingFact(BaseModel):
    """A fact of the meeting the document reports: its name, date, attendance, who presided, who spoke,
    and what it did (agenda: 传达了…精神, 审议并通过了…, 决定…召开…)."""

    kind: Literal["name", "date", "attendance", "presided", "spoke", "agenda"]
    text: str
    source: Source


class Honour(BaseModel):
    """A title or award won (荣获/获评/入选/被评为…)."""

    text: str
    level: Literal["国家级", "省级", "市级"] | None = Field(None, description="From the title's wording.")
    source: Source


class Outcome(BaseModel):
    """A result stated without a figure (…等主要经济指标均实现增长)."""

    text: str
    source: Source


class Headline(BaseModel):
    """A summary of at most 200 characters; its numbers come from its sources."""

    text: str = Field(max_length=HEADLINE_MAX_CHARS)
    sources: list[Source] = Field(default_factory=list)


class DocumentInfo(BaseModel):
    """The briefed document, as read from its opening lines when it was indexed."""

    file: str
    title: str | None = None
    doc_type: str | None = None
    date: str | None = None
    meeting: str | None = None
    speaker: str | None = None
    year_under_review: int | None = None
    plan_year: int | None = None


class DroppedItem(BaseModel):
    """Something the model proposed that failed a check, and why."""

    section: str = Field(description="indicators, targets, projects, tasks, headline, ...")
    item: str = Field(description="The item as proposed.")
    reason: str
    chunk_id: str | None = None
    quote: str | None = None


class LLMCall(BaseModel):
    """One structured request: which step, attempts, seconds, prompt and reply sizes."""

    step: str
    attempts: int
    seconds: float
    prompt_chars: int
    output_chars: int


class GenerationInfo(BaseModel):
    """How the brief was made."""

    model: str
    brief_version: int = BRIEF_VERSION
    settings_hash: str
    seconds: float
    llm_calls: int
    llm_seconds: float
    generated_at: str
    calls: list[LLMCall] = Field(default_factory=list)


class CountyBrief(BaseModel):
    """A one-page brief of one document; every item carries its citation."""

    county: str
    province: str | None = None
    prefecture: str | None = None
    document: DocumentInfo
    headline: Headline | None = None
    indicators: list[Indicator] = Field(default_factory=list, description="Results of the year under review.")
    targets: list[Indicator] = Field(default_factory=list, description="Targets for the plan year (or a later year it names).")
    tasks: list[Task] = Field(default_factory=list, max_length=MAX_TASKS)
    projects: list[Project] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    policy_terms: list[PolicyTerm] = Field(default_factory=list)
    meeting: list[MeetingFact] = Field(default_factory=list, description="The meeting's date, attendance, chair and speakers.")
    decisions: list[Decision] = Field(default_factory=list, description="Decisions adopted and documents approved.")
    frameworks: list[Framework] = Field(default_factory=list, description="Development patterns, formulas, brands, slogans.")
    commitments: list[Commitment] = Field(default_factory=list, description="Qualitative targets, each with its year.")
    honours: list[Honour] = Field(default_factory=list, description="Titles and awards won.")
    outcomes: list[Outcome] = Field(default_factory=list, description="Results stated without a figure.")
    dropped: list[DroppedItem] = Field(default_factory=list, description="Proposed items that failed grounding.")
    generation: GenerationInfo | None = None


def brief_schema() -> dict:
    """The JSON schema of ``CountyBrief`` (``govbrief schema brief``)."""
    return CountyBrief.model_json_schema()


# What the LLM fills in during the map steps: short, flat, and citing units by number.


class MapIndicator(BaseModel):
    """One figure as the model reads it. Unit and qualifier are read by code from the quote,
    around the value's own occurrence: fewer generated tokens, and they cannot drift."""

    s: int
    name: str
    value: str | None
    growth: str | None


# The model writes each figure as a [sentence, name, value, growth] row: a third fewer
# generated tokens than objects with keys, and generated tokens are most of a brief's time.
IndicatorRow = tuple[
    int,
    Annotated[str, Field(max_length=20)],
    Annotated[str, Field(pattern=NUMBER_PATTERN, max_length=12)] | None,
    Annotated[str, Field(pattern=GROWTH_PATTERN, max_length=10)] | None,
]


class IndicatorExtraction(BaseModel):
    """Map output for figures: [sentence, name, value, growth] rows."""

    ROW_COLUMNS: ClassVar[tuple[str, ...]] = ("sentence", "name", "value", "growth")  # for error messages
    items: list[IndicatorRow] = Field(max_length=24)

    def figures(self) -> list[MapIndicator]:
        """The rows as named fields."""
        return [MapIndicator(s=s, name=name, value=value, growth=growth) for s, name, value, growth in self.items]


# Projects and tasks are [sentence, text] rows: two slots leave nothing to confuse, and a row
# costs fewer generated tokens than an object with keys.
# A name may not hold 、，；。: the grammar itself makes the model list projects one by one.
PROJECT_NAME_PATTERN = r'^[^、，,；;。：:"]{2,18}$'
ProjectRow = tuple[int, Annotated[str, Field(pattern=PROJECT_NAME_PATTERN)]]


class ProjectExtraction(BaseModel):
    """Map output for named projects: [sentence, name] rows."""

    ROW_COLUMNS: ClassVar[tuple[str, ...]] = ("sentence", "name")
    projects: list[ProjectRow] = Field(max_length=12)


TaskRow = tuple[int, Annotated[str, Field(max_length=40)]]


class TaskExtraction(BaseModel):
    """Map output for tasks, used only when a document has no plan headings: [sentence, text] rows."""

    ROW_COLUMNS: ClassVar[tuple[str, ...]] = ("sentence", "task")
    tasks: list[TaskRow] = Field(max_length=MAX_TASKS)


QualitativeRow = tuple[int, Literal["格局", "承诺", "荣誉", "成效"], Annotated[str, Field(max_length=40)]]


class QualitativeExtraction(BaseModel):
    """Map output for what the qualitative rules cannot read: [sentence, kind, phrase] rows."""

    ROW_COLUMNS: ClassVar[tuple[str, ...]] = ("sentence", "kind", "phrase")
    items: list[QualitativeRow] = Field(max_length=8)


class HeadlineDraft(BaseModel):
    """The headline as the LLM writes it."""

    headline: str = Field(max_length=HEADLINE_MAX_CHARS)
