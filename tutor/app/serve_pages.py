"""The few HTML pages of `coro-tutor serve` besides the terminal: join, full, teacher.

Plain HTML with every learner-given string escaped; sentences come from the catalog.
"""

from __future__ import annotations

from html import escape

from aiohttp import web

from tutor.classroom import Standing
from tutor.strings import tr

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:3rem auto;padding:0 1rem;"
    "background:#1e1e2e;color:#e6e6e6}input,button{font-size:1.1rem;padding:.4rem .6rem}"
    "table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #555;"
    "padding:.3rem .5rem;text-align:left}a{color:#8ab4f8}"
)


COLUMNS = ("serve.t_name", "serve.t_lesson", "serve.t_step", "serve.t_score", "serve.t_done")


def html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _page(title: str, body: str, lang: str) -> str:
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def join(lang: str) -> str:
    placeholder = escape(tr("serve.name", lang))
    body = (
        f"<p>{escape(tr('serve.join_intro', lang))}</p>"
        '<form method="post" action="/join">'
        f'<input name="name" maxlength="40" autofocus placeholder="{placeholder}"> '
        f'<button type="submit">{escape(tr("serve.start", lang))}</button></form>'
        f"<p><small>{escape(tr('serve.join_note', lang))}</small></p>"
    )
    return _page(tr("serve.join_title", lang), body, lang)


def full(max_learners: int, lang: str) -> str:
    body = f"<p>{escape(tr('serve.full', lang, n=max_learners))}</p>"
    return _page(tr("serve.full_title", lang), body, lang)


def forbidden(lang: str) -> str:
    return _page(tr("serve.forbidden", lang), "", lang)


def teacher(rows: list[Standing], connected: int, lang: str) -> str:
    head = "".join(f"<th>{escape(tr(key, lang))}</th>" for key in COLUMNS)
    cells = []
    for row in rows:
        lesson = escape(row.lesson or "—")
        step = "—" if row.step is None else str(row.step)
        cells.append(
            f"<tr><td>{escape(row.name)}</td><td>{lesson}</td><td>{step}</td>"
            f"<td>{row.right} / {row.answered}</td><td>{row.done}</td></tr>"
        )
    summary = escape(tr("serve.t_summary", lang, learners=len(rows), connected=connected))
    body = f"<p>{summary}</p><table><tr>{head}</tr>{''.join(cells)}</table>"
    return _page(tr("serve.teacher_title", lang), body, lang)
