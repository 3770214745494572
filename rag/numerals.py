"""Chinese numerals read as figures: 九百九十九亿元 -> 999亿元, 百分之八 -> 8%, 三点五亿元 -> 3.5亿元.

The number check (rag/verify.py) compares Arabic figures; an answer or a passage that writes a
figure in Chinese numerals goes through the same check once ``read_numerals`` has rewritten it.

Only figures are rewritten, never words that contain numerals (一批, 一体化, 三农, 十四五,
一季度, 两会, 第一, 百亿产业集群). A run of numeral characters is a figure when it
- follows 百分之 (百分之八 -> 8%), or
- is followed by a unit of ``rag.figures`` (亿元, 万吨, 人, 个 …; a trailing 万/亿 may belong to
  the unit: 两万吨 -> 2万吨), except a one-character numeral before a counting unit or a
  one-character unit (一批, 三个, 两项, 一人, 城乡二元结构: these make words), or
- stands alone with three characters or more, or a 点 (九百九十九, 三点五);

and it reads under the grammar (digits joined by 十/百/千, sections by 万/亿, 零 for gaps, 点 for
decimals): 十四五 and 二〇二三 do not, so they stay as written. A run right after 第 (第一) or
after an Arabic digit (3千万元) is left alone.
"""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_SMALL = {"十": 10, "百": 100, "千": 1000}
_BIG = {"万": 10**4, "亿": 10**8}
_CHARS = "".join(_DIGITS) + "".join(_SMALL) + "".join(_BIG)
_RUN = re.compile(rf"(百分之)?([{_CHARS}]+(?:点[{''.join(_DIGITS)}]+)?)")
# Families whose units also make ordinary words after a one-character numeral.
_WORDY = {"count", "people", "households", "head"}


def _integer(run: str) -> int | None:
    """The value of an integer numeral, or None when it does not read (十四五, 一二, 一万二)."""
    if not run:
        return None
    total = section = number = 0
    previous = ""
    for ch in run:
        if ch in _DIGITS:
            if previous in _DIGITS and _DIGITS[previous] != 0 and _DIGITS[ch] != 0:
                return None  # two digits in a row: a digit-by-digit string, not a number
            number = _DIGITS[ch]
        elif ch in _SMALL:
            if previous in _SMALL:
                return None  # 十百, 千十
            section += (number or 1) * _SMALL[ch]  # 十二: a leading 十 is one ten
            number = 0
        else:  # 万 or 亿
            if previous == "" or previous in "零〇" or (previous in _BIG and not (previous == "万" and ch == "亿")):
                return None  # 万元 alone is a unit, not a number
            value = section + number
            if ch == "亿":
                total = (total + value) * _BIG[ch]
            else:
                total += value * _BIG[ch]
            section = number = 0
        previous = ch
    if previous in _DIGITS and _DIGITS[previous] != 0 and len(run) > 1 and run[-2] in ("百", "千", "万", "亿"):
        return None  # 一百二, 一万二: spoken short forms, ambiguous in writing
    return total + section + number


def numeral_value(run: str) -> str | None:
    """``run`` as an Arabic number string ('999', '3.5'), or None when it is not a numeral."""
    whole, _, decimals = run.partition("点")
    value = _integer(whole)
    if value is None:
        return None
    if decimals:
        return f"{value}." + "".join(str(_DIGITS[ch]) for ch in decimals)
    return str(value)


def _unit_at(text: str, at: int) -> tuple[str, str] | None:
    from rag.figures import _UNIT_FAMILY, _UNITS

    for unit in _UNITS:
        if text.startswith(unit, at):
            return unit, _UNIT_FAMILY[unit]
    return None


def read_numerals(text: str) -> str:
    """``text`` with every Chinese-numeral figure written in Arabic digits; all else unchanged."""
    if not any(ch in _CHARS for ch in text):
        return text
    out, last = [], 0
    for m in _RUN.finditer(text):
        percent, run = m.group(1), m.group(2)
        start = m.start()
        before = text[start - 1] if start else ""
        if before == "第" or before.isdigit() or before == ".":
            continue
        replacement = None
        if percent:
            value = numeral_value(run)
            if value is not None:
                replacement = f"{value}%"
        else:
            replacement = _figure(text, run, m.end())
        if replacement is None:
            continue
        out.append(text[last:start])
        out.append(replacement)
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def _scaled(run: str) -> str | None:
    """A numeral with 万/亿 inside in the reports' Arabic form: 三亿五千万 -> 3.5亿, 一万二千 -> 1.2万."""
    value = numeral_value(run)
    if value is None:
        return None
    big = "亿" if "亿" in run else "万"
    scaled = float(value) / _BIG[big]
    return f"{scaled:.6f}".rstrip("0").rstrip(".") + big


def _figure(text: str, run: str, end: int) -> str | None:
    """The Arabic form of ``run`` (ending at ``end`` in ``text``) when it is a figure, else None."""
    # A trailing 万/亿 may open the unit (两万吨 = 2 万吨, 三千亿元 = 3000 亿元), unless the rest
    # holds a 万/亿 of its own (三亿五千万元 is 3.5亿元, not 3亿5千 万元).
    for keep in (2, 1, 0):
        if keep and (len(run) <= keep or "点" in run[-keep:] or any(ch not in _BIG for ch in run[-keep:])):
            continue
        head = run[: len(run) - keep] if keep else run
        unit = _unit_at(text[end - keep:] if keep else text[end:], 0)
        if unit is None:
            continue
        if keep and any(ch in _BIG for ch in head):
            continue
        if len(head) == 1 and not keep and (unit[1] in _WORDY or len(unit[0]) == 1):
            return None  # 一批, 三个, 两项, 一人, 城乡二元结构: a one-character numeral before 亿元/万吨 only
        if not keep and any(ch in _BIG for ch in head[1:]):
            return _scaled(head)
        value = numeral_value(head)
        return None if value is None else value + run[len(head):]
    if len(run) >= 3 or "点" in run:
        return numeral_value(run)
    return None
