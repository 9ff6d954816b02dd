"""The OpenAPI document as the API really behaves: every error status a route can answer, with the real error
body `{"error", "detail"}` (not FastAPI's HTTPValidationError), a bearer security scheme with each route's roles,
and the docs (Swagger UI, ReDoc) served from assets shipped in a Python package, never a CDN.

Which errors a route can answer follows from what stands in front of it and what it takes:
- every /v1 route: 401 (no or bad token), 403 (a role it does not admit), 429 (rate limit), 503 (the worker or a
  view not ready, or the owner of the state did not answer in time), 400 (a malformed cursor, header or query);
- a route with path parameters, or that names records in its body: 404;
- a route that changes state: 409 (a conflict with the current state);
- a route with a body: 413 (too large), 415 (not JSON where JSON is expected);
- a route with parameters or a body: 422 naming the field.
"""

from __future__ import annotations

from importlib import resources
from types import UnionType
from typing import Any, Union, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.auth.policy import PUBLIC, PROTECTED_PREFIX, route_policies
from api.errors import BadRequest

ERROR_SCHEMA = {
    "title": "Error", "type": "object", "required": ["error", "detail"], "additionalProperties": False,
    "properties": {"error": {"type": "string", "description": "a short code: bad_request, unauthorized, "
                                                              "forbidden, not_found, conflict, invalid, ..."},
                   "detail": {"type": "string", "description": "what went wrong, naming the field"}},
}
REASONS = {400: "Bad request (a malformed cursor, header or query)", 401: "No token, or not a valid one",
           403: "The token's role may not call this", 404: "No such record (or not one you may see)",
           405: "Method not allowed", 409: "Conflicts with the current state", 413: "Body too large",
           415: "Unsupported media type", 422: "Invalid input (the detail names the field)",
           429: "Rate limited (see Retry-After)", 503: "Not ready, or the owner did not answer in time"}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
DOCS_ASSETS = "/docs-assets"
# The docs pages load only what this API serves: ReDoc's bundle would otherwise fetch its "powered by" logo from
# cdn.redoc.ly (the inline scripts and styles are the pages' own start-up code).
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:")


CONSOLE_SESSION = "/console/session"


def error_statuses(method: str, path: str, operation: dict[str, Any]) -> set[int]:
    codes = {400, 401, 403, 429, 503}
    has_body = "requestBody" in operation
    if "{" in path or method in CHANGES:
        codes.add(404)
    if method in CHANGES:
        codes.add(409)
    if has_body:
        codes |= {413, 415}
    if has_body or operation.get("parameters"):
        codes.add(422)
    return codes


_QUERY_NAMES: dict[int, dict[str, bool]] = {}  # by the route's dependant (routes live as long as the app)


def _takes_many(annotation: Any) -> bool:
    """Whether a query parameter's type is a list (it may be repeated), Optional or not."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_takes_many(a) for a in get_args(annotation) if a is not type(None))
    return get_origin(annotation) in (list, tuple, set, frozenset)


def _query_names(route: Any) -> dict[str, bool]:
    """The route's query parameters (its own and its dependencies', e.g. filters): name -> may repeat."""
    names = _QUERY_NAMES.get(id(route.dependant))
    if names is None:
        names, stack = {}, [route.dependant]
        while stack:
            dependant = stack.pop()
            for p in dependant.query_params:
                names[p.alias or p.name] = _takes_many(p.field_info.annotation)
            stack.extend(dependant.dependencies)
        _QUERY_NAMES[id(route.dependant)] = names
    return names


async def known_query_only(request: Request) -> None:
    """A query parameter the route does not take is refused (400 naming it) instead of being ignored: a misspelt
    filter (`countyr=IDN`) would otherwise answer as if no filter had been asked for."""
    route = request.scope.get("route")
    if route is None or not hasattr(route, "dependant"):
        return
    taken = _query_names(route)
    unknown = sorted(set(request.query_params) - set(taken))
    if unknown:
        known = sorted(taken)
        raise BadRequest(f"{unknown[0]}: not a query parameter of {request.method} {route.path}"
                         + (f" (it takes {', '.join(known)})" if known else " (it takes none)"))
    repeated = sorted(name for name in set(request.query_params) if not taken[name]
                      and len(request.query_params.getlist(name)) > 1)
    if repeated:
        raise BadRequest(f"{repeated[0]}: given {len(request.query_params.getlist(repeated[0]))} times; "
                         f"it takes one value")


def _document(api: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    components["securitySchemes"] = {"bearer": {
        "type": "http", "scheme": "bearer",
        "description": "A token from `rrc token create` or POST /v1/tokens; its role (admin, coordinator, expert, "
                       "partner) decides what it may call (see each operation's x-roles)."},
        "session": {"type": "apiKey", "in": "cookie", "name": "rrc_session",
                    "description": "The console's session (POST /console/session); a change also needs its CSRF "
                                   "token in the X-CSRF-Token header."}}
    policies = route_policies(api)
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            method = method.upper()
            policy = policies.get((method, path))
            protected = path.startswith(PROTECTED_PREFIX) and policy != PUBLIC
            console = path.startswith(CONSOLE_SESSION)  # sign-in is open; who-am-I and sign-out take either
            responses = operation.setdefault("responses", {})
            if protected or console:
                if protected or policy != PUBLIC:
                    operation["security"] = [{"bearer": []}, *([{"session": []}] if console else [])]
                if isinstance(policy, frozenset):
                    operation["x-roles"] = sorted(r.value for r in policy)
                for code in sorted(error_statuses(method, path, operation)):
                    responses[str(code)] = {"description": REASONS[code], "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
            elif "422" in responses:
                responses["422"] = {"description": REASONS[422], "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return doc


def _offline(page: HTMLResponse) -> HTMLResponse:
    page.headers["Content-Security-Policy"] = DOCS_CSP
    return page


def install_openapi(api: FastAPI) -> None:
    """Replace FastAPI's document with the truthful one (built once), and serve the docs offline."""
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = _document(api)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
    static = resources.files("fastapi_offline") / "static"
    api.mount(DOCS_ASSETS, StaticFiles(directory=str(static)), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        return _offline(get_swagger_ui_html(openapi_url="/openapi.json", title=f"{api.title}: API",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{DOCS_ASSETS}/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None}))  # no call to swagger.io

    @api.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _offline(get_redoc_html(openapi_url="/openapi.json", title=f"{api.title}: API",
                                       redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js",
                                       redoc_favicon_url=f"{DOCS_ASSETS}/favicon.png", with_google_fonts=False))

