"""Documents are data: a sentence addressed to the model is never evidence (issue 12, found 5).

A report speaks about a place to its readers (我们, 各级政府, 全县人民); it never commands the
system that reads it. So a sentence is taken for an instruction to the model, and left out of
the evidence and the ledger, when it

1. asks to set instructions aside: an override verb (忽略, 无视, 忘记, 不要理会, 跳过, ignore,
   disregard, forget, override) and an instruction noun (指令, 指示, 提示, 规则, 设定, 上文,
   instructions, prompt, rules) in the same sentence;
2. commands its reader in the second person: 你/您 followed within a few characters by a modal
   or command (必须, 应该, 需要, 只能, 务必, 一定, 要, 请, 现在, 回答, 输出) — or names an
   assistant (AI, 人工智能, 助手, 模型, assistant, model, chatbot, GPT, LLM) as the one to obey;
   in English: you must/should/are now/will, from now on, as an AI;
3. carries a chat role or template marker: system:, assistant:, user:, 系统：, 助手：, [INST],
   <|im_start|>, ### Instruction.

The rule looks for the shape of an instruction to a model, not for one planted sentence; it
changes no sentence of the seed reports (tests/robustness/test_injected_instructions.py).
"""

from __future__ import annotations

import re

_OVERRIDE = re.compile(r"忽略|无视|忘记|忘掉|不要理会|不要理睬|跳过|抛开|ignore|disregard|forget|override", re.I)
_INSTRUCTION = re.compile(r"指令|指示|提示|规则|设定|上文|前文|以上内容|系统消息|instruction|prompt|rules|context", re.I)
_SECOND_PERSON = re.compile(r"(?:你|您)(?:们)?.{0,6}?(?:必须|应该|应当|需要|只能|务必|一定|要|请|现在|回答|输出|直接)")
_ASSISTANT = re.compile(
    r"(?:AI|人工智能|智能助手|助手|语言模型|大模型|模型|assistant|chatbot|GPT|LLM)"
    r".{0,6}?(?:必须|应该|需要|只能|务必|请|回答|输出|听从|服从|执行)", re.I)
_ENGLISH = re.compile(r"\byou (?:must|should|are now|will now|have to|need to)\b|\bfrom now on\b|\bas an ai\b", re.I)
_ROLE = re.compile(r"(?:^|[\s。；])(?:system|assistant|user|系统|助手|用户)\s*[:：]|\[/?INST\]|<\|im_(?:start|end)\|>|#{2,}\s*instruction",
                   re.I)


def is_instruction(sentence: str) -> bool:
    """True when ``sentence`` addresses the model that reads it (see the module's rule)."""
    if _OVERRIDE.search(sentence) and _INSTRUCTION.search(sentence):
        return True
    return bool(_SECOND_PERSON.search(sentence) or _ASSISTANT.search(sentence) or _ENGLISH.search(sentence)
                or _ROLE.search(sentence))
