"""The Dirac-GAN view: GET /dirac (the page, web/dirac.html), GET /api/dirac (what the page
builds its controls from) and POST /api/dirac (a stretch of trajectory and, on request, the
update field on a grid). Stateless: the page keeps each run's state and asks for the next
stretch from its last point, so any number of pages cost nothing between requests.

The same access rules as the lab's page: with a token, the page wants it once in the query
(then an HttpOnly cookie) and the API wants the cookie; a browser's request must come from
this server's own pages (or an --allow-origin site). Shapes and bounds of a request are
checked here (pydantic); what the settings mean is checked by gan_core.dirac."""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from gan_core.dirac import (
    MAX_GRID,
    PLAIN_GAN,
    DiracConfig,
    DiracError,
    Grid,
    dirac_objectives,
    field_grid,
    settings_used,
    trajectory,
)
from gan_core.objectives import OBJECTIVES
from server.pages import api_refusal, guarded_page

MAX_STEPS = 5000  # updates per request (~1–3 s of one CPU): the page asks for less, often
MAX_BODY_BYTES = 4096  # a request is a few settings
MAX_BUSY = 2  # requests computing at once: many Dirac pages wait their turn rather than starve the lab's training


class GridRequest(BaseModel):
    """The view box to draw the field over (gan_core.dirac.Grid checks the values)."""

    model_config = ConfigDict(extra="forbid")
    theta_lo: float
    theta_hi: float
    psi_lo: float
    psi_hi: float
    n_theta: int = Field(21, strict=True)
    n_psi: int = Field(21, strict=True)


class DiracRequest(BaseModel):
    """A run's settings (DiracConfig's fields; theta and psi: where this stretch starts),
    how many updates to make, and optionally the grid of the field to return."""

    model_config = ConfigDict(extra="forbid")
    objective: str = PLAIN_GAN.objective
    r1_gamma: float = PLAIN_GAN.r1_gamma
    gp_weight: float = PLAIN_GAN.gp_weight
    clip_value: float = PLAIN_GAN.clip_value
    lr: float = PLAIN_GAN.lr
    mode: str = PLAIN_GAN.mode
    theta: float = PLAIN_GAN.theta
    psi: float = PLAIN_GAN.psi
    steps: int = Field(0, ge=0, le=MAX_STEPS, strict=True)
    field: GridRequest | None = None

    def config(self) -> DiracConfig:
        return DiracConfig(**self.model_dump(exclude={"steps", "field"}))


DIRAC_FIELDS = [k for k in DiracRequest.model_fields if k not in ("steps", "field")]


def _finite(values: list[float]) -> list[float | None]:
    """JSON has no inf or NaN: a value past float range is sent as null."""
    return [v if math.isfinite(v) else None for v in values]


def _problem(message: str, field: str | None, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


def _validation_problem(err: ValidationError) -> JSONResponse:
    """The first problem, named by its field (field.n_theta for the grid's)."""
    first = err.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "body"
    msg = "not a Dirac-GAN setting" if first["type"] == "extra_forbidden" else first["msg"]
    if "input" in first and first["type"] not in ("missing", "json_invalid") and not isinstance(first["input"], (dict, list)):
        msg += f" (got {repr(first['input'])[:40]})"
    return _problem(f"{name}: {msg}", name)


def compute(req: DiracRequest) -> dict[str, Any]:
    """The stretch of trajectory (its start included, as point 0) and the field, if asked."""
    config = req.config()
    grid = Grid(**req.field.model_dump()) if req.field is not None else None
    points = trajectory(config, req.steps)
    out: dict[str, Any] = {
        "config": {k: getattr(config, k) for k in DIRAC_FIELDS},  # as read (a link's text values become numbers)
        "theta": _finite([p["theta"] for p in points]),
        "psi": _finite([p["psi"] for p in points]),
        "distance": _finite([p["distance"] for p in points]),
        "diverged": not math.isfinite(points[-1]["distance"]),  # the last point left float range
    }
    if grid is not None:
        f = field_grid(config, grid)
        out["field"] = {"theta": f["theta"], "psi": f["psi"], "v_theta": _finite(f["v_theta"]), "v_psi": _finite(f["v_psi"])}
    return out


def describe() -> dict[str, Any]:
    """The objectives the Dirac-GAN plays (from the lab's registry), the defaults and bounds."""
    return {
        "objectives": [
            {"name": n, "title": OBJECTIVES.get(n).title, "description": OBJECTIVES.get(n).description, "uses": settings_used(n)}
            for n in dirac_objectives()
        ],
        "defaults": {k: getattr(PLAIN_GAN, k) for k in DIRAC_FIELDS},
        "modes": ["simultaneous", "alternating"],
        "max_steps": MAX_STEPS,
        "max_grid": MAX_GRID,
    }


def add_dirac_routes(app: FastAPI, web_dir: Path, token: str | None = None, allow_origins: list[str] | None = None) -> None:
    """Install /dirac and /api/dirac on the lab's app (create_app calls this)."""

    busy = asyncio.Semaphore(MAX_BUSY)

    def refused(request: Request) -> JSONResponse | None:
        problem = api_refusal(request, token, allow_origins or [], "Dirac-GAN")
        return None if problem is None else _problem(problem[1], None, problem[0])

    @app.get("/dirac")
    def dirac_page(request: Request) -> Response:
        return guarded_page(request, token, "/dirac", web_dir / "dirac.html")

    @app.get("/api/dirac")
    def dirac_describe(request: Request) -> JSONResponse:
        return refused(request) or JSONResponse(describe(), headers={"Cache-Control": "no-cache"})

    @app.post("/api/dirac")
    async def dirac_run(request: Request) -> JSONResponse:
        problem = refused(request)
        if problem is not None:
            return problem
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return _problem(f"body: too large ({len(body)} bytes; at most {MAX_BODY_BYTES})", "body", 413)
        try:
            req = DiracRequest.model_validate_json(body)
        except ValidationError as err:
            return _validation_problem(err)
        try:
            async with busy:
                result = await run_in_threadpool(compute, req)
        except DiracError as err:
            if err.field in Grid.__dataclass_fields__:  # the grid's settings sit under "field"
                return _problem(f"field.{err}", f"field.{err.field}")
            return _problem(str(err), err.field)
        return JSONResponse(result, headers={"Cache-Control": "no-store"})
