"""A multi-turn chat over the `ask` pipeline: follow-ups are rewritten into standalone questions.

The session keeps a short history (prompts stay small on a 2-core CPU), a county scope, and
the last answer for ``/sources``. Rendering and key handling live in ``cli/chat.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rag.answer import Answer
from rag.engine import Engine
from rag.prompts import render
from rag.text import years

HISTORY_TURNS = 3  # follow-ups refer back at most this far; only the last turn feeds the rewrite
REWRITE_MAX_TOKENS = 60
# Follow-ups lean on the previous turn: 那…呢, 它, 其中, 同比, 这个/该 …
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|再|它|其|其中|这个|该|这些|同时|以及)|呢[？?]?$|怎么样[？?]?$")


@dataclass
class Turn:
    """One exchange: what was typed, what was asked, what came back."""

    typed: str
    question: str
    answer: Answer


@dataclass
class ChatSession:
    """State of one chat: history, scope, and the engine that answers."""

    engine: Engine
    counties: list[str] = field(default_factory=list)
    history: list[Turn] = field(default_factory=list)  # bounded: what follow-ups may refer to
    transcript: list[Turn] = field(default_factory=list)  # everything, for /save
    max_turns: int = HISTORY_TURNS

    @property
    def last(self) -> Turn | None:
        """The most recent turn, if any."""
        return self.history[-1] if self.history else None

    def reset(self) -> None:
        """Forget the conversation (the scope stays)."""
        self.history.clear()
        self.transcript.clear()

    def needs_rewrite(self, typed: str) -> bool:
        """A follow-up: there is history and the question lacks a county or reads as elliptical."""
        if not self.history:
            return False
        named, _ = self.engine.retriever.route(typed)
        return not named or bool(_FOLLOW_UP.search(typed.strip()))

    def rewrite(self, typed: str) -> str:
        """Turn a follow-up into a standalone question using the previous turn."""
        if not self.needs_rewrite(typed):
            return typed
        prev = self.history[-1]
        messages = [
            {"role": "system", "content": render("rewrite_system")},
            {"role": "user", "content": f"上一问：{prev.question}\n追问：{typed}\n改写："},
        ]
        try:
            raw = self.engine.llm.complete(messages, max_tokens=REWRITE_MAX_TOKENS)
        except Exception:  # a rewrite is a nicety; the heuristic below still scopes the question
            raw = ""
        rewritten = raw.strip().splitlines()[0].strip() if raw.strip() else ""
        rewritten = re.sub(r"^(改写|问题)[:：]\s*", "", rewritten)
        return self._complete_from_previous(rewritten if 2 <= len(rewritten) <= 4 * len(typed) + 60 else typed, prev)

    def _complete_from_previous(self, question: str, prev: Turn) -> str:
        """Make sure the county and year the previous question was about are still there."""
        named, _ = self.engine.retriever.route(question)
        prefix = ""
        if not named and not self.counties:
            prev_named, _ = self.engine.retriever.route(prev.question)
            prefix += "".join(prev_named)
        if not years(question):
            prefix += "".join(f"{y}年" for y in dict.fromkeys(years(prev.question)))
        question = re.sub(r"^(那么|那|还有|另外)", "", question).strip()
        return prefix + question if prefix else question

    def ask(self, typed: str, *, on_token: Callable[[str], None] | None = None,
            on_rewrite: Callable[[str], None] | None = None) -> Turn:
        """Answer one typed line (not a slash command) and record it."""
        question = self.rewrite(typed)
        if on_rewrite and question != typed:
            on_rewrite(question)
        answer = self.engine.ask(question, counties=self.counties or None, on_token=on_token)
        turn = Turn(typed, question, answer)
        self.history.append(turn)
        self.transcript.append(turn)
        del self.history[: -self.max_turns]
        return turn

    def transcript_markdown(self) -> str:
        """The session as Markdown, with each answer's sources."""
        lines = ["# govbrief chat", ""]
        for turn in self.transcript:
            lines.append(f"**问：** {turn.typed}")
            if turn.question != turn.typed:
                lines.append(f"*（改写为：{turn.question}）*")
            lines += ["", f"**答：** {turn.answer.answer}", ""]
            for c in turn.answer.citations:
                lines.append(f"- [{c.n}] `{c.file}` · {c.heading or '(开头)'}：“{c.text}”")
            lines.append("")
        return "\n".join(lines)
