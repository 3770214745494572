"""Write docs/example-brief-lushan-communique.html from the indexed seeds with rules and ledger only.

    .venv/bin/govbrief index seeds && .venv/bin/python bench/example_communique.py

The map steps get no model (every LLM step answers with no items and the headline is composed in
code): when this example was made the shared 2-core machine's local model server did not start
within 200 s. ``govbrief brief 芦山县 --doc 002_b36dca1533704f70.txt -f html`` writes the same
page with the model's extra figures and tasks.
"""

import sys

sys.path.insert(0, str(__import__('pathlib').Path(__file__).resolve().parent.parent))
from pathlib import Path

from rag.brief import brief_document, find_documents, pick_document
from rag.engine import Engine
from rag.export import render_html
from rag.settings import Settings


class RulesOnly:
    """No model: every map step answers with no items, so the brief is the ledger's figures and the rules."""
    model = "none (rules and ledger only; the local model was busy)"
    def complete(self, messages, *, max_tokens=None, on_token=None, response_format=None):
        return '{"items": [], "projects": [], "tasks": [], "headline": ""}'

settings = Settings()
settings.brief.llm_headline = False
engine = Engine(settings)
try:
    doc = pick_document(find_documents(engine.store, "芦山县"), "002_b36dca1533704f70.txt")
    brief = brief_document(engine.store, doc, RulesOnly(), settings)
finally:
    engine.close()
Path("docs/example-brief-lushan-communique.html").write_text(render_html([brief]), "utf-8")
print(len(brief.meeting), len(brief.decisions), len(brief.frameworks), len(brief.commitments), len(brief.targets), len(brief.tasks))
