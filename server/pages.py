"""The lab's pages and JSON endpoints behind its access rules, written once for `/`, `/compare`
and `/dirac`: a page opened with `?token=` moves the token into an HttpOnly cookie and
redirects to the same address without it (out of an address bar a teacher may project); a
page without the token gets a plain explanation; an API request from another site or without
the token is refused with a message the page can show."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse, Response

from server.security import TOKEN_COOKIE, origin_allowed, token_matches

TOKEN_TEXT = "This lab needs its access token: open the address `ganlab serve` printed (it ends in ?token=...).\n"
COOKIE_SECONDS = 7 * 24 * 3600
URL_SAFE = ",;:|="  # kept as they are in the redirect: the links' own separators


def guarded_page(request: Request, token: str | None, path: str, file: Path) -> Response:
    """`file` at `path` for whoever holds the token (or to anyone when there is none)."""
    page = FileResponse(file, headers={"Cache-Control": "no-cache"})
    if token is None:
        return page
    given = request.query_params.get("token")
    if given is not None and token_matches(token, given):
        rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
        response = RedirectResponse(path + ("?" + urlencode(rest, safe=URL_SAFE) if rest else ""), status_code=303)
        response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", max_age=COOKIE_SECONDS)
        return response
    if token_matches(token, request.cookies.get(TOKEN_COOKIE)):
        return page
    return PlainTextResponse(TOKEN_TEXT, status_code=401)


def api_refusal(request: Request, token: str | None, allow_origins: Iterable[str], page_name: str) -> tuple[int, str] | None:
    """(status, message) when an API request may not be answered, else None: a browser's request
    from another site (403), or one without the token, in its cookie or `?token=` (401)."""
    if not origin_allowed(request.headers, allow_origins):
        return 403, f"Requests from other sites are refused: open the {page_name} page from the lab's own address."
    held = token_matches(token, request.cookies.get(TOKEN_COOKIE)) or (token is not None and token_matches(token, request.query_params.get("token")))
    if not held:
        return 401, TOKEN_TEXT.strip()
    return None
