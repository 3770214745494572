"""Evals against known facts: pure metric functions, and a runner over any question file.

Each metric is a small pure function over (answer, citations, retrieved chunks, gold) so a
run's per-item records can be re-scored by anyone. No LLM judges anything here.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer import Answer
from rag.errors import InputError, LLMError, redact
from rag.prompts import CANNOT_ANSWER
from rag.text import normalize, numbers, strip_markup

QUOTE_SEPARATOR = " ||| "
TYPES = ("number", "entity", "list", "yesno", "summary", "unanswerable", "cross_doc")


@dataclass
class EvalItem:
    """One gold question; only ``question`` is required."""

    id: str
    question: str
    answer: str = ""
    must_contain: list[str] = field(default_factory=list)
    evidence: str = ""
    type: str = ""
    file: str = ""

    @property
    def answerable(self) -> bool:
        """Unanswerable items expect a refusal."""
        return self.type != "unanswerable"

    @property
    def quotes(self) -> list[str]:
        """The evidence quotes (several for cross-document items)."""
        return [q for q in self.evidence.split(QUOTE_SEPARATOR.strip()) if q.strip()] if self.evidence else []


def load_items(path: Path) -> list[EvalItem]:
    """Read a JSONL question file; unknown keys are ignored, bad lines are reported by number."""
    if not path.is_file():
        raise InputError(f"{path} does not exist: give a .jsonl question file.")
    items = []
    for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{n} is not valid JSON ({exc.msg}).") from None
        if not isinstance(row, dict) or not str(row.get("question", "")).strip():
            raise InputError(f"{path}:{n} has no 'question'.")
        items.append(EvalItem(
            id=str(row.get("id") or f"line{n}"), question=row["question"], answer=row.get("answer") or "",
            must_contain=list(row.get("must_contain") or []), evidence=row.get("evidence") or "",
            type=row.get("type") or "", file=row.get("file") or "",
        ))
    if not items:
        raise InputError(f"{path} holds no questions.")
    return items


# ---------------------------------------------------------------------------------------------
# Pure metrics


def says_cannot_answer(answer: str) -> bool:
    """The answer states that the documents do not contain it."""
    return CANNOT_ANSWER in answer or "未提及" in normalize(answer)


def answer_correct(answer: str, must_contain: Iterable[str]) -> bool:
    """Every required string appears in the answer (NFKC, whitespace-insensitive)."""
    flat = normalize(answer)
    return all(normalize(m) in flat for m in must_contain)


def refusal_correct(answer: str, question: str) -> bool:
    """For unanswerable items: a refusal that asserts no figure beyond those in the question."""
    asserted = set(numbers(answer)) - set(numbers(question))
    return says_cannot_answer(answer) and not asserted


def recall(quotes: list[str], retrieved_texts: list[str]) -> bool | None:
    """Every evidence quote is contained in a retrieved chunk (or in adjacent ones joined)."""
    if not quotes:
        return None
    flats = [normalize(t) for t in retrieved_texts]
    joined = "".join(flats)
    return all(any(normalize(q) in f for f in flats) or normalize(q) in joined for q in quotes)


def citation_supported(answer: str, cited_texts: list[str], question: str = "", computed: list[str] = ()) -> bool:
    """Every number in the answer (other than the question's own, and those ``computed`` in code
    from the cited ones: a difference, a count) appears in a cited chunk."""
    wanted = set(numbers(strip_markup(answer))) - set(numbers(question)) - {n for c in computed for n in numbers(c)}
    available = {n for t in cited_texts for n in numbers(t)}
    return wanted <= available


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def score_item(item: EvalItem, answer: str, refused: bool, cited_texts: list[str], retrieved_texts: list[str],
               retrieved: bool = True, computed: list[str] = ()) -> dict:
    """All metrics for one item; None where a metric does not apply.

    Recall@k measures retrieval, so it is None for an answer made without it (``retrieved``
    false: from ledger rows or the document table, whose citations are the rows' own quotes).
    """
    if item.answerable:
        correct = answer_correct(answer, item.must_contain) and not refused
        refusal_ok = None
        false_refusal = refused
    else:
        correct = refusal_correct(answer, item.question)
        refusal_ok = correct
        false_refusal = None
    return {
        "correct": correct,
        "refusal_correct": refusal_ok,
        "false_refusal": false_refusal,
        "recall": recall(item.quotes, retrieved_texts) if item.answerable and retrieved else None,
        "citation_supported": citation_supported(answer, cited_texts, item.question, computed) if not refused else None,
    }


def summarize(records: list[dict], key: str | None = None) -> dict:
    """Aggregate metric rates (overall or grouped by ``key``) from per-item records."""
    if key:
        groups: dict[str, list[dict]] = {}
        for r in records:
            for value in (r.get(key) or "").split(";") or [""]:
                groups.setdefault(value or "-", []).append(r)
        return {g: summarize(rs) for g, rs in sorted(groups.items())}

    def rate(metric: str) -> float | None:
        vals = [r["metrics"][metric] for r in records if r["metrics"].get(metric) is not None]
        return round(sum(vals) / len(vals), 4) if vals else None

    latencies = [r["latency"] for r in records]
    # Which stage refused the questions that had an answer: where false refusals come from.
    refused_at: dict[str, int] = {}
    for r in records:
        if r["metrics"].get("false_refusal"):
            stage = r.get("stage") or "error"
            refused_at[stage] = refused_at.get(stage, 0) + 1
    return {
        "n": len(records),
        "accuracy": rate("correct"),
        "refusal_accuracy": rate("refusal_correct"),
        "false_refusal_rate": rate("false_refusal"),
        "recall_at_k": rate("recall"),
        "citation_support": rate("citation_supported"),
        "latency_p50": round(percentile(latencies, 50), 2),
        "latency_p95": round(percentile(latencies, 95), 2),
        "false_refusals_by_stage": dict(sorted(refused_at.items())),
        "answered_from": dict(sorted(Counter(r.get("answered_from") or "refused" for r in records).items())),
    }


# ---------------------------------------------------------------------------------------------
# Runner


def _attempt(ask: Callable, item: EvalItem, k: int | None) -> tuple[Answer | None, LLMError | None, float]:
    t0 = time.perf_counter()
    try:
        return ask(item.question, k=k), None, time.perf_counter() - t0
    except LLMError as exc:
        return None, exc, time.perf_counter() - t0


def _in_parallel(items: list[EvalItem], make_ask: Callable[[], Callable], k: int | None,
                 concurrency: int) -> Iterator[tuple[Answer | None, LLMError | None, float]]:
    """Outcomes in item order from ``concurrency`` threads, each with a pipeline of its own."""
    local = threading.local()

    def work(item: EvalItem):
        if not hasattr(local, "ask"):
            local.ask = make_ask()
        return _attempt(local.ask, item, k)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval")
    try:
        futures = [pool.submit(work, item) for item in items]
        for future in futures:
            yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # after 3 failures: the rest never start


def run_eval(items: list[EvalItem], ask: Callable, *, k: int | None = None,
             on_item: Callable[[EvalItem, dict], None] = lambda item, record: None,
             concurrency: int = 1, make_ask: Callable[[], Callable] | None = None) -> list[dict]:
    """Run every item through ``ask`` (the same path as ``govbrief ask``) and score it.

    With ``concurrency`` > 1 the items run on that many threads, each asking through its own
    ``make_ask()`` (default: ``ask`` itself), for a remote endpoint that answers requests in
    parallel. Records come back in item order and are the same as with one thread.
    """
    if concurrency > 1:
        outcomes = _in_parallel(items, make_ask or (lambda: ask), k, concurrency)
    else:
        outcomes = (_attempt(ask, item, k) for item in items)  # lazy: stops asking after 3 failures
    records = []
    failures_in_a_row = 0
    try:
        for item, (result, error, latency) in zip(items, outcomes):
            if error is not None:
                # One bad reply is a failed item; several in a row mean the endpoint is gone.
                failures_in_a_row += 1
                if failures_in_a_row >= 3:
                    raise error
                result = Answer(question=item.question, answer="", refused=True, reason=f"LLM error: {error}")
            else:
                failures_in_a_row = 0
            record = _record(item, result, latency)
            records.append(record)
            on_item(item, record)
    finally:
        outcomes.close()
    return records


def _record(item: EvalItem, result: Answer, latency: float) -> dict:
    retrieved = [{"chunk_id": c.id, "file": c.file, "text": c.text, "heading": c.heading, "score": c.score}
                 for c in result.retrieved]
    citations = [{"chunk_id": c.chunk_id, "file": c.file, "text": c.text} for c in result.citations]
    # Recall looks at whole retrieved chunks with their headings, as the model could see them.
    retrieved_texts = [f"{c.heading}{c.text}" for c in result.retrieved]
    cited_full = [next((c.text for c in result.retrieved if c.id == cit.chunk_id), cit.text)
                  for cit in result.citations]
    return {
        "id": item.id, "question": item.question, "type": item.type, "file": item.file,
        "gold": item.answer, "must_contain": item.must_contain,
        "answer": result.answer, "refused": result.refused, "reason": result.reason, "stage": result.stage,
        "citations": citations, "retrieved": retrieved, "latency": round(latency, 3),
        "answered_from": result.answered_from,
        "metrics": score_item(item, result.answer, result.refused, cited_full, retrieved_texts,
                              retrieved=result.answered_from not in ("ledger", "documents"), computed=result.computed),
    }


def write_records(records: list[dict], path: Path) -> None:
    """One JSON object per line, written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(redact("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)), "utf-8")  # no echoed key
    tmp.replace(path)


