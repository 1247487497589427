"""The GraphiQL explorer, served with all its assets from this server: no CDN, so it works
air-gapped. The assets are copied out of the npm packages at build time (``make explorer``,
``scripts/build-explorer.mjs``) into ``static/explorer``; nothing third-party is committed."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

ASSETS = Path(__file__).parent / "static" / "explorer"
ASSETS_URL = "/explorer/assets"

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Flexfin API explorer</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <style>html, body, #explorer {{ height: 100%; margin: 0; }}</style>
</head>
<body>
  <div id="explorer"></div>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script src="{assets}/explorer.js"></script>
</body>
</html>
"""

MISSING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Flexfin API explorer</title></head><body>
<p>The explorer's assets are not built. Run <code>make explorer</code> and restart.</p>
</body></html>"""


def assets_app() -> StaticFiles:
    return StaticFiles(directory=ASSETS, check_dir=False)


async def explorer_page(request: Request) -> Response:
    if not (ASSETS / "graphiql.min.js").is_file():
        return HTMLResponse(MISSING, status_code=503)
    return HTMLResponse(
        PAGE.format(assets=ASSETS_URL),
        headers={
            "Content-Security-Policy": (
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:"
            )
        },
    )
