"""The live page's routes: ``GET /live/`` (the events), ``GET /live/{event}`` (the page) and
``GET /live/assets/{name}`` (its script and style sheet), for the laptop on the venue's screen
when nobody has installed Grafana (issue 15, item 4).

The HTML is a shell: its words in one language and the page's settings, no figure. Its script
(``static/live.js``, no framework, no CDN) asks the reporter's JSON — ``/v1/events/{event}/live``
(:mod:`services.reporter.live.model`) for a page, ``/v1/events`` for the list — and draws it,
again every ``?every=`` seconds (default 15). So the shell and its assets are served without a
token (``auth.OPEN_PREFIXES``) and the JSON keeps the reporter's token rules: with
``SADA_REPORTER_TOKENS`` set, the page is opened as ``/live/{event}#token=<token>``; the script
sends it as ``Authorization: Bearer``. A fragment is never sent to a server, so the token stays
out of access logs and ``Referer`` headers.

The language is ``?lang=`` (ar, fr, en), else the first of the browser's ``Accept-Language``
that sada speaks, else the first language the registry names the event in, else English. Arabic
pages are ``dir="rtl"``. ``?at=`` (RFC 3339) shows the event as of another moment than now,
as for a replayed edition (``sada demo`` prints such a URL).

Assets are named in the shell with their content's hash (``live.js?v=…``), so a browser keeps
them a year (``immutable``) and a new version is a new URL; the shell itself is ``no-cache``.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from typing import Any

from aiohttp import web

from services.reporter.labels import CATALOGUE
from shared.events import EVENT_SLUG
from shared.http import error
from shared.registry import LANGS, Registry

STATIC = f"{__package__}.static"
ASSETS = {"live.js": "text/javascript", "live.css": "text/css"}
DEFAULT_EVERY_S = 15
MIN_EVERY_S = 1
PREFIXES = ("page.", "platform.")  # the catalogue's keys the script needs
NO_STORE = {"Cache-Control": "no-cache"}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    """The bytes of a static file and their short hash (the ``?v=`` of its URL)."""
    body = resources.files(STATIC).joinpath(name).read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:12]


@cache
def _words(lang: str) -> dict[str, str]:
    """The page's labels in ``lang``, English where ``lang`` lacks one."""
    keys = [key for key in CATALOGUE["en"] if key.startswith(PREFIXES)]
    return {key: CATALOGUE[lang].get(key) or CATALOGUE["en"][key] for key in keys}


def page_lang(request: web.Request, named_in: list[str]) -> str:
    """``?lang=``, else the browser's first language sada speaks, else the registry's first name."""
    asked = request.query.get("lang")
    if asked in LANGS:
        return asked
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGS:
            return tag
    return next((lang for lang in named_in if lang in LANGS), "en")


def _every(request: web.Request) -> int:
    try:
        every = int(request.query.get("every", DEFAULT_EVERY_S))
    except ValueError:
        return DEFAULT_EVERY_S
    return max(MIN_EVERY_S, every)


def shell(lang: str, title: str, config: dict[str, Any]) -> web.Response:
    """The page: its ``lang`` and ``dir``, the assets by hashed URL, ``config`` as JSON."""
    template = resources.files(STATIC).joinpath("page.html").read_text("utf-8")
    settings = json.dumps({**config, "lang": lang, "words": _words(lang)}, ensure_ascii=False)
    html = (
        template.replace("{{lang}}", lang)
        .replace("{{dir}}", "rtl" if lang == "ar" else "ltr")
        .replace("{{title}}", _escape(title))
        .replace("{{config}}", settings.replace("</", "<\\/"))
        .replace("{{js}}", _asset("live.js")[1])
        .replace("{{css}}", _asset("live.css")[1])
    )
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers=NO_STORE)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def add_live_routes(app: web.Application, registry: Registry) -> None:
    """The page, the list and the assets on ``app`` (the reporter)."""

    async def event_page(request: web.Request) -> web.Response:
        slug = request.match_info["event"]
        if not re.fullmatch(EVENT_SLUG, slug):
            return error(400, f"{slug!r} is not an event slug ([a-z0-9-]{{1,64}})")
        lang = page_lang(request, list(registry.get(slug).names))
        config = {"view": "event", "event": slug, "every": _every(request), "at": request.query.get("at")}
        return shell(lang, f"sada · {slug}", config)

    async def event_list(request: web.Request) -> web.Response:
        lang = page_lang(request, [])
        return shell(lang, "sada", {"view": "list", "every": _every(request)})

    async def asset(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in ASSETS:
            return error(404, f"no asset {name!r}; the page's are {', '.join(ASSETS)}")
        body, _ = _asset(name)
        return web.Response(
            body=body,
            content_type=ASSETS[name],
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    async def to_list(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/live/")

    app.router.add_get("/live", to_list)
    app.router.add_get("/live/", event_list)
    app.router.add_get("/live/assets/{name}", asset)
    app.router.add_get("/live/{event}", event_page)
