"""Compare mode's HTTP side: the page (/compare), the registry of comparisons
(/api/comparisons) and a link's runs resolved into full configs (/api/compare). Each run the
page shows is an ordinary session on its own /ws socket; nothing here trains.

Access follows the lab's page (/): with a token, `?token=` is swapped for the HttpOnly cookie
by a redirect, and without the cookie (or the token) the answer is 401."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from gan_core.compare import COMPARISONS, FORMAT, MAX_RUNS, MIN_RUNS, format_runs, parse_runs
from server.pages import api_refusal, guarded_page

MAX_LINK_CHARS = 4000  # a runs= text longer than this is refused before parsing



def add_compare_routes(app: FastAPI, web_dir: Path, token: str | None = None, allow_origins: list[str] | None = None) -> None:
    """Install /compare, /api/comparisons and /api/compare on the lab's app (create_app calls
    this with its token and --allow-origin sites)."""

    def refused(request: Request) -> JSONResponse | None:
        """A browser's request from another site, or one without the token (cookie or ?token=)."""
        problem = api_refusal(request, token, allow_origins or [], "compare")
        return None if problem is None else JSONResponse({"error": problem[1]}, status_code=problem[0])

    @app.get("/compare")
    def compare_page(request: Request) -> Response:
        return guarded_page(request, token, "/compare", web_dir / "compare.html")

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
