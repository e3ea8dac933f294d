"""Compare mode's HTTP side: the page (/compare), the registry of comparisons
(/api/comparisons) and a link's runs resolved into full configs (/api/compare). Each run the
page shows is an ordinary session on its own /ws socket; nothing here trains.

Access follows the lab's page (/): with a token, `?token=` is swapped for the HttpOnly cookie
by a redirect, and without the cookie (or the token) the answer is 401."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

from gan_core.compare import COMPARISONS, FORMAT, MAX_RUNS, MIN_RUNS, format_runs, parse_runs
from server.security import TOKEN_COOKIE, origin_allowed, token_matches

MAX_LINK_CHARS = 4000  # a runs= text longer than this is refused before parsing
TOKEN_TEXT = "This lab needs its access token: open the address `ganlab serve` printed (it ends in ?token=...).\n"


def add_compare_routes(app: FastAPI, web_dir: Path, token: str | None = None, allow_origins: list[str] | None = None) -> None:
    """Install /compare, /api/comparisons and /api/compare on the lab's app (create_app calls
    this with its token and --allow-origin sites)."""

    def refused(request: Request) -> JSONResponse | None:
        """A browser's request from another site, or one without the token (cookie or ?token=)."""
        if not origin_allowed(request.headers, allow_origins or []):
            return JSONResponse({"error": "Requests from other sites are refused: open the compare page from the lab's own address."}, status_code=403)
        if not (token_matches(token, request.cookies.get(TOKEN_COOKIE)) or (token is not None and token_matches(token, request.query_params.get("token")))):
            return JSONResponse({"error": TOKEN_TEXT.strip()}, status_code=401)
        return None

    def page() -> FileResponse:
        return FileResponse(web_dir / "compare.html", headers={"Cache-Control": "no-cache"})

    @app.get("/compare")
    def compare_page(request: Request) -> Response:
        if token is None:
            return page()
        given = request.query_params.get("token")
        if given is not None and token_matches(token, given):
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = "/compare" + ("?" + urlencode(rest, safe=",;:|=") if rest else "")
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict", max_age=7 * 24 * 3600)
            return response
        if token_matches(token, request.cookies.get(TOKEN_COOKIE)):
            return page()
        return PlainTextResponse(TOKEN_TEXT, status_code=401)

    @app.get("/api/comparisons")
    def comparisons(request: Request) -> JSONResponse:
        problem = refused(request)
        if problem is not None:
            return problem
        return JSONResponse(
            {
                "comparisons": [COMPARISONS.get(n).describe() for n in COMPARISONS],
                "min_runs": MIN_RUNS,
                "max_runs": MAX_RUNS,
                "format": FORMAT,
            },
            headers={"Cache-Control": "no-cache"},
        )

    @app.get("/api/compare")
    def resolve(request: Request) -> JSONResponse:
        """A compare link (`c=NAME` or `runs=TEXT`) as the runs to start and what was left out.
        Always 200 (a browser logs any 4xx as an error): `runs` is empty when nothing loads."""
        problem = refused(request)
        if problem is not None:
            return problem
        body = resolve_link(request.query_params.get("c"), request.query_params.get("runs"))
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def resolve_link(name: str | None, runs: str | None) -> dict[str, Any]:
    """{name, title, description, kind, link, runs_text, runs, problems} for a compare link."""
    empty: dict[str, Any] = {"name": None, "title": "Custom comparison", "description": "", "kind": "lab", "link": None, "runs_text": None, "runs": []}
    problems: list[str] = []
    if name is not None:
        if runs is not None:
            problems.append("the link has both c= and runs=: c= is used")
        if name not in COMPARISONS:
            known = ", ".join(COMPARISONS)
            return {**empty, "problems": [*problems, f"c={name[:80]}: there is no comparison of that name; choose one of: {known}"]}
        return {**COMPARISONS.get(name).describe(), "problems": problems}
    if runs is None:
        return {**empty, "problems": [f"the link names no comparison: add c=NAME or runs={FORMAT}"]}
    if len(runs) > MAX_LINK_CHARS:
        return {**empty, "problems": [f"runs= is {len(runs)} characters long; at most {MAX_LINK_CHARS}"]}
    parsed = parse_runs(runs)
    text = format_runs(parsed.runs) if parsed.runs else None
    return {**empty, "link": f"/compare?runs={text}" if text else None, "runs_text": text, "runs": [r.describe() for r in parsed.runs], "problems": parsed.problems}
