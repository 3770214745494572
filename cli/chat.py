"""``govbrief chat``: the terminal REPL over ``rag.chat.ChatSession``.

Line editing and persistent history come from prompt_toolkit when stdin is a terminal;
Ctrl-C cancels the answer in progress, Ctrl-D (or /quit) leaves.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from cli import render
from cli.render import escape

HELP = """命令：
  /county X    只在 X 的文件中检索（可写多个，用空格分开）；/county 清除范围
  /sources     完整显示上一个回答的来源
  /reset       清空对话历史
  /save FILE   把对话（含来源）保存为 Markdown
  /model [M]   显示或切换模型（本地：qwen2.5-coder-1.5b / qwen2.5-coder-0.5b）
  /help        显示本帮助
  /quit        退出（也可按 Ctrl-D）
Ctrl-C 取消正在生成的回答。"""


def handle_command(session, line: str, console: Console) -> bool:
    """Run a slash command; returns False when the session should end."""
    name, _, arg = line[1:].strip().partition(" ")
    arg = arg.strip()
    if name in ("quit", "exit", "q"):
        return False
    if name == "help":
        console.print(HELP)
    elif name == "county":
        if not arg:
            session.counties = []
            console.print("[dim]范围已清除：检索全部文件[/]")
        else:
            known = set(session.engine.retriever.counties())
            names = [session.engine.retriever.counties().get(a, a) for a in arg.split()]
            unknown = [n for n in names if n not in known]
            if unknown:
                console.print(f"[red]未索引：{escape('、'.join(unknown))}[/]（已索引：{'、'.join(sorted(set(session.engine.retriever.counties().values())))}）")
            else:
                session.counties = names
                console.print(f"[dim]范围：{'、'.join(names)}[/]")
    elif name == "sources":
        if session.last is None:
            console.print("[dim]还没有回答。[/]")
        else:
            render.citations(console, session.last.answer, full=True)
    elif name == "reset":
        session.reset()
        console.print("[dim]对话历史已清空。[/]")
    elif name == "save":
        if not arg:
            console.print("[red]用法：/save FILE[/]")
        else:
            path = Path(arg).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(session.transcript_markdown(), "utf-8")
                console.print(f"[dim]已保存到 {escape(str(path))}[/]")
            except OSError as exc:
                console.print(f"[red]无法保存：{escape(str(exc))}[/]")
    elif name == "model":
        llm = session.engine.llm
        if not arg:
            console.print(f"模型：{llm.model}")
        else:
            session.engine.switch_model(arg)
            console.print(f"[dim]模型已切换为 {escape(arg)}（下一个问题加载）[/]")
    else:
        console.print(f"[red]未知命令 /{escape(name)}[/]，输入 /help 查看命令。")
    return True


def read_line(prompt_session, console: Console) -> str:
    """One line from prompt_toolkit (terminal) or plain input (pipes)."""
    if prompt_session is not None:
        return prompt_session.prompt("问> ")
    return console.input("问> ")


def answer_turn(session, typed: str, console: Console) -> None:
    """Stream one answer, then the checked version's notes and its sources."""
    from rag.errors import GovbriefError

    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)
        console.print(escape(piece), end="", highlight=False, soft_wrap=True)

    def on_rewrite(question: str) -> None:
        console.print(f"[dim]（{escape(question)}）[/]")

    try:
        turn = session.ask(typed, on_token=on_token, on_rewrite=on_rewrite)
    except KeyboardInterrupt:
        console.print("\n[yellow]已取消[/]")
        return
    except GovbriefError as exc:
        console.print(f"\n[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return
    answer = turn.answer
    if streamed:
        console.print()
    if not streamed or answer.refused or answer.dropped:
        # What was streamed is the raw model text; the checked answer is what counts.
        style = "yellow" if answer.refused else "bold"
        if streamed:
            console.print("[dim]核对后：[/]", end="")
        console.print(f"[{style}]{escape(answer.answer)}[/]")
    if answer.dropped:
        console.print(f"[dim]已删除无出处的内容：{escape('；'.join(answer.dropped))}[/]")
    render.citations(console, answer)


def run_chat(engine, console: Console, counties: list[str] | None, history_file: Path) -> None:
    """The REPL loop; models load once, before the first prompt."""
    import sys

    from rag.chat import ChatSession

    session = ChatSession(engine, counties=list(counties or []))
    started = time.perf_counter()
    with console.status("正在加载模型…", spinner="dots"):
        engine.warm_up(wait=True)
    console.print(f"[dim]模型已就绪（{time.perf_counter() - started:.1f} s）：{engine.llm.model} · "
                  f"{engine.settings.embedding.model}。输入 /help 查看命令，Ctrl-D 退出。[/]")
    if session.counties:
        console.print(f"[dim]范围：{'、'.join(session.counties)}[/]")

    prompt_session = None
    if sys.stdin.isatty():
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        history_file.parent.mkdir(parents=True, exist_ok=True)
        prompt_session = PromptSession(history=FileHistory(str(history_file)))

    while True:
        try:
            line = read_line(prompt_session, console).strip()
        except KeyboardInterrupt:
            continue  # Ctrl-C at the prompt clears the line
        except EOFError:
            console.print()
            break
        if not line:
            continue
        if line.startswith("/"):
            if not handle_command(session, line, console):
                break
            continue
        answer_turn(session, line, console)
