"""The console's HTTP edge: the page, its assets from this origin only, and sign-in / sign-out.

The page is a small single-page app (plain ES modules, no build step) that reads the same `/v1` API as every
client; the auth gate turns its session cookie back into the caller's own principal, so roles and office scoping
hold unchanged. Third-party browser code (d3-geo, topojson-client) and the Natural Earth 1:110m outlines
(world-atlas) come from npm at install (`make`) and are served from here: no CDN, no tile server.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import AnyRoleDep, PUBLIC_ROUTE
from api.auth.exceptions import InvalidToken
from api.auth.authn import unauthorized
from api.auth.gate import session_cookie
from api.auth.roles import STAFF
from api.auth.sessions import CSRF_HEADER, SESSION_COOKIE, SessionStore
from api.errors import ApiError, ErrorCode, Forbidden, NotFound

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
NODE_MODULES = HERE / "node_modules"
# name served -> file under node_modules (an allow-list: nothing else of node_modules is reachable)
VENDOR = {
    "d3-array.min.js": "d3-array/dist/d3-array.min.js",
    "d3-geo.min.js": "d3-geo/dist/d3-geo.min.js",
    "topojson-client.min.js": "topojson-client/dist/topojson-client.min.js",
}
OUTLINES = "world-atlas/countries-110m.json"
UNCODED = {"Kosovo": "XKX"}  # outlines without an ISO numeric code: XKX is the code the UN system uses
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY"}
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}
NOT_INSTALLED = "the console's browser assets are not installed: run `make setup` (npm install in api/console)"

page = APIRouter(include_in_schema=False, dependencies=[PUBLIC_ROUTE])
session = APIRouter(prefix="/console/session", tags=["console"])


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=256, description="A coordinator's or admin's bearer token")


class SessionInfo(BaseModel):
    role: str
    office_id: str | None
    token_id: str
    csrf_token: str | None = Field(description=f"send it as {CSRF_HEADER} on every change; null for a bearer caller")
    expires_at: float | None = Field(description="when the session ends (seconds since the epoch)")


def assets(request: Request) -> Path:
    """The npm packages the console serves from (RRC_CONSOLE_ASSETS_DIR, else the checkout's node_modules)."""
    settings = request.app.state.runtime.settings
    return settings.console_assets_dir or NODE_MODULES


def _sessions(request: Request) -> SessionStore:
    return request.app.state.sessions


def _same_origin(request: Request) -> None:
    """A sign-in posted from another site's page is refused (login CSRF); browsers send Origin on every POST."""
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") != f"{request.url.scheme}://{request.headers.get('host', '')}":
        raise Forbidden(f"Origin header: {origin} is not this console's origin")


@session.post("", status_code=201, response_model=SessionInfo,
              summary="Sign in to the console with a bearer token: sets an HttpOnly, SameSite=Strict session cookie",
              dependencies=[PUBLIC_ROUTE])
async def sign_in(request: Request, body: SignIn = Body(...)) -> JSONResponse:
    _same_origin(request)
    try:
        session_id, new, principal = _sessions(request).sign_in(body.token.strip())
    except InvalidToken as exc:
        raise unauthorized(exc) from None
    if principal.role not in STAFF:
        _sessions(request).sign_out(session_id)
        raise Forbidden(f"token: the console is for coordinators and admins, not the {principal.role} role")
    info = SessionInfo(role=principal.role.value, office_id=principal.office_id, token_id=principal.token_id,
                       csrf_token=new.csrf, expires_at=new.expires_at)
    response = JSONResponse(info.model_dump(), status_code=201, headers={"Cache-Control": "no-store"})
    response.set_cookie(SESSION_COOKIE, session_id, max_age=int(_sessions(request).ttl_s), path="/", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    return response


@session.get("", response_model=SessionInfo, summary="Who the console is signed in as, and the session's CSRF token")
async def whoami(request: Request, principal: AnyRoleDep) -> JSONResponse:
    found = None
    cookie = session_cookie(request.headers) if request.headers.get("authorization") is None else None
    if cookie is not None:
        found = _sessions(request).session(cookie)
    info = SessionInfo(role=principal.role.value, office_id=principal.office_id, token_id=principal.token_id,
                       csrf_token=found.csrf if found else None, expires_at=found.expires_at if found else None)
    return JSONResponse(info.model_dump(), headers={"Cache-Control": "no-store"})


@session.delete("", status_code=204, summary=f"Sign out: the session ends on the server (needs {CSRF_HEADER})")
async def sign_out(request: Request, principal: AnyRoleDep) -> Response:
    _sessions(request).sign_out(session_cookie(request.headers))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@page.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console")


@page.get("/console")
async def console(request: Request) -> Response:
    if not assets(request).is_dir():
        raise ApiError(503, ErrorCode.UNAVAILABLE, NOT_INSTALLED)
    return FileResponse(STATIC / "index.html", media_type="text/html",
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@page.get("/console/static/{name:path}")
async def static(name: str) -> Response:
    path = (STATIC / name).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file() or path.suffix not in STATIC_TYPES:
        raise NotFound(f"name: no console asset {name!r}")
    return FileResponse(path, media_type=STATIC_TYPES[path.suffix],
                        headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


@page.get("/console/vendor/{name}")
async def vendor(request: Request, name: str) -> Response:
    if name not in VENDOR:
        raise NotFound(f"name: no vendor asset {name!r}")
    path = assets(request) / VENDOR[name]
    if not path.is_file():
        raise ApiError(503, ErrorCode.UNAVAILABLE, NOT_INSTALLED)
    return FileResponse(path, media_type="text/javascript",
                        headers={**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"})


@page.get("/console/countries.json")
async def countries(request: Request) -> Response:
    """Natural Earth 1:110m country outlines (world-atlas TopoJSON) with ISO 3166-1 alpha-3 codes as ids."""
    path = assets(request) / OUTLINES
    if not path.is_file():
        raise ApiError(503, ErrorCode.UNAVAILABLE, NOT_INSTALLED)
    return Response(_outlines(str(path), path.stat().st_mtime), media_type="application/json",
                    headers={"Cache-Control": "public, max-age=86400"})


@lru_cache(maxsize=2)
def _outlines(path: str, mtime: float) -> bytes:
    import pycountry

    topo: dict[str, Any] = json.loads(Path(path).read_text())
    for geometry in topo["objects"]["countries"]["geometries"]:
        numeric = geometry.get("id")
        country = pycountry.countries.get(numeric=numeric) if numeric else None
        name = geometry.get("properties", {}).get("name")
        geometry["id"] = country.alpha_3 if country is not None else UNCODED.get(name)
    return json.dumps(topo, separators=(",", ":")).encode()
