"""The runner's outcome sentence in the learner's language.

The runner speaks English (its sentences are part of the event stream contract and of
`coro-tutor run`); the app shows them in Chinese when the learner reads Chinese. Each
known sentence is matched with its numbers; an unknown one is shown as it came.
"""

from __future__ import annotations

import re

_ZH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), t)
    for p, t in [
        (r"The program finished\.", "程序运行结束。"),
        (r"You stopped the program\.", "你停止了程序。"),
        (
            r"Stopped after (.+?) s: the program was still running \(it may loop forever\); "
            r"the traceback above shows where it was\.",
            r"运行 \1 秒后被停止：程序还在运行（可能是死循环）；上面的回溯显示它停在哪里。",
        ),
        (r"The program printed more than (.+?) and was stopped\.", r"程序输出超过 \1，已被停止。"),
        (
            r"The program used more than (.+?) s of processor time and was stopped\.",
            r"程序占用 CPU 时间超过 \1 秒，已被停止。",
        ),
        (
            r"The program used more than (.+?) of memory and was stopped\.",
            r"程序使用的内存超过 \1，已被停止。",
        ),
        (
            r"The program wrote a file bigger than (.+?), the limit here\.",
            r"程序写入的文件超过了这里的上限 \1。",
        ),
        (
            r"Writing files outside the program's folder is blocked here\.",
            "这里不允许在程序所在文件夹之外写文件。",
        ),
        (
            r"The program filled the (.+?) of disk space it has here and was stopped\.",
            r"程序写满了它在这里的 \1 磁盘空间，已被停止。",
        ),
        (
            r"Reading or writing files outside the program's folder is blocked here\.",
            "这里不允许读写程序所在文件夹之外的文件。",
        ),
        (
            r"That is blocked here: a program can use files in its own folder and sockets "
            r"on 127\.0\.0\.1\.",
            "这里不允许这样做：程序只能使用它自己文件夹里的文件和 127.0.0.1 上的套接字。",
        ),
        (
            r"Stopping processes that are not the program's own is blocked here\.",
            "这里不允许停止不属于这个程序的进程。",
        ),
        (
            r"Connecting to other computers is blocked here: a program can only reach "
            r"servers it starts itself on 127\.0\.0\.1\.",
            "这里不允许连接其他计算机：程序只能访问它自己在 127.0.0.1 上启动的服务器。",
        ),
        (
            r"The connection was refused: inside the tutor a program can only reach "
            r"servers it starts itself on 127\.0\.0\.1\.",
            "连接被拒绝：在教程里，程序只能访问它自己在 127.0.0.1 上启动的服务器。",
        ),
        (
            r"There is no network here: a program can only reach servers it starts itself "
            r"on 127\.0\.0\.1\.",
            "这里没有网络：程序只能访问它自己在 127.0.0.1 上启动的服务器。",
        ),
        (
            r"The program tried to start too many processes or threads\.",
            "程序试图启动过多的进程或线程。",
        ),
        (r"The program tried to start too many processes\.", "程序试图启动过多的进程。"),
        (r"The program was interrupted \((.+?)\)\.", r"程序被中断（\1）。"),
        (r"The program was killed \((.+?)\)\.", r"程序被强行结束（\1）。"),
        (r"The program crashed \((.+?)\)\.", r"程序崩溃了（\1）。"),
        (r"The program stopped with an error \((.+?)\)\.", r"程序因错误而停止（\1）。"),
        (r"The program exited with status (-?\d+)\.", r"程序退出，状态码 \1。"),
        (
            r" ?(\d+) leftover process(?:es)? started by the program (?:was|were) stopped\.",
            r"程序留下的 \1 个进程已被清理。",
        ),
    ]
]


def outcome_text(message: str, lang: str) -> str:
    """`message` (an exit event's sentence, or several) in `lang`."""
    if lang != "zh":
        return message
    out = message
    for pattern, template in _ZH:
        out = pattern.sub(template, out)
    return out
