"""API docs: the OpenAPI document and Swagger UI, served from a package (nothing from a CDN).

The contracts' own doc paths (`/redoc`, `/api/docs/`, `/api/schema/`) lead to the same.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import orjson
import swagger_ui
from aiohttp import web

from .openapi import build_openapi
from .state import ENDPOINTS

SWAGGER_STATIC = Path(swagger_ui.__file__).parent / "static"
SPEC_PATH = "/openapi.json"

DESCRIPTION = """\
One backend for five marketplace contracts on one account base. Each contract's endpoints are
tagged with its name and answer in that contract's error format.

**Socket.IO** at `/socket.io/` (websocket transport preferred): connect with
`auth={"token": "<access token>"}`; a missing, expired or non-access token is refused.

**FreeMarket exchange ids**: `mutual_{user_a}_{user_b}_{item_a}_{item_b}` for a swap of two people
(the contract's form), `chain_{id}` for a chain of three or more (`id` is its number in `/api/chains`).
Who takes part is the matching domain's record, never read from the id.
"""

# The Server-Sent Events routes (each contract's path), documented as `text/event-stream`. Their
# declarations do not say they stream; a path here that no GET route has stops the edge at start.
EVENT_STREAMS = (
    "/api/events/stream",  # FreeMarket: exchange messages and notifications
    "/chats/{chat_id}/stream",  # CarAdvisor: an answer as it is written (its `stream_url`)
    "/api/v1/chats/{chat_id}/stream",
)

# Swagger UI's settings, as JSON on the page. No online validator: Swagger UI would send the
# document to validator.swagger.io and show its badge.
SWAGGER_CONFIG = {
    "url": SPEC_PATH,
    "dom_id": "#swagger-ui",
    "deepLinking": True,
    "validatorUrl": None,
    "layout": "BaseLayout",
}

# The page's one inline script, allowed by its hash (no 'unsafe-inline' for scripts).
INIT_SCRIPT = f"""
    window.ui = SwaggerUIBundle({{
      ...{orjson.dumps(SWAGGER_CONFIG).decode()},
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset]
    }});
  """

INDEX_HTML = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Souk API</title>
  <link rel="stylesheet" href="/docs/static/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/static/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/static/swagger-ui-bundle.js"></script>
  <script src="/docs/static/swagger-ui-standalone-preset.js"></script>
  <script>{INIT_SCRIPT}</script>
</body>
</html>
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# What Swagger UI needs, all from this origin: its scripts and the inline one above; styles, inline
# too (its components write style attributes: swagger-api/swagger-ui#10655); images, data: URIs
# (its icons) and blob: (image answers shown by "Try it out"); fetches of the spec and of requests
# tried. Nothing else, and no framing.
DOCS_CSP = "; ".join(
    (
        "default-src 'none'",
        f"script-src 'self' {_sha256(INIT_SCRIPT)}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)


def setup_docs(app: web.Application, *, version: str = "0.1.0") -> None:
    """Describe every endpoint mounted so far; call after all surfaces are mounted.

    The document is built when first asked for, not at start: pydantic's schemas of five contracts
    take most of an edge's start-up (~0.3 s of a core), which every edge replica and every test's
    cluster paid for a document few of them are asked."""
    spec: list[bytes] = []  # the document, once built (a synchronous build: no two requests race)

    async def openapi(_request: web.Request) -> web.Response:
        if not spec:
            document = build_openapi(
                app[ENDPOINTS],
                title="Souk API",
                version=version,
                description=DESCRIPTION,
                event_streams=EVENT_STREAMS,
            )
            spec.append(orjson.dumps(document))
        return web.Response(body=spec[0], content_type="application/json")

    async def index(_request: web.Request) -> web.Response:
        return web.Response(
            text=INDEX_HTML, content_type="text/html", headers={"Content-Security-Policy": DOCS_CSP}
        )

    async def to_docs(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/docs")

    app.router.add_get(SPEC_PATH, openapi)
    app.router.add_get("/api/schema/", openapi)
    app.router.add_get("/docs", index)
    app.router.add_get("/redoc", to_docs)
    app.router.add_get("/api/docs/", to_docs)
    app.router.add_static("/docs/static/", SWAGGER_STATIC)
