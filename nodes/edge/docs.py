"""API docs: the OpenAPI document and Swagger UI, served from a package (nothing from a CDN).

The contracts' own doc paths (`/redoc`, `/api/docs/`, `/api/schema/`) lead to the same.
"""

from __future__ import annotations

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
"""

INDEX_HTML = """<!doctype html>
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
  <script>
    window.ui = SwaggerUIBundle({
      url: "{spec}", dom_id: "#swagger-ui", deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "BaseLayout"
    });
  </script>
</body>
</html>
""".replace("{spec}", SPEC_PATH)


def setup_docs(app: web.Application, *, version: str = "0.1.0") -> None:
    """Describe every endpoint mounted so far; call after all surfaces are mounted."""
    spec = orjson.dumps(build_openapi(app[ENDPOINTS], title="Souk API", version=version, description=DESCRIPTION))

    async def openapi(_request: web.Request) -> web.Response:
        return web.Response(body=spec, content_type="application/json")

    async def index(_request: web.Request) -> web.Response:
        return web.Response(text=INDEX_HTML, content_type="text/html")

    async def to_docs(_request: web.Request) -> web.Response:
        raise web.HTTPFound("/docs")

    app.router.add_get(SPEC_PATH, openapi)
    app.router.add_get("/api/schema/", openapi)
    app.router.add_get("/docs", index)
    app.router.add_get("/redoc", to_docs)
    app.router.add_get("/api/docs/", to_docs)
    app.router.add_static("/docs/static/", SWAGGER_STATIC)
