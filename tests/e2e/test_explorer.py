"""The GraphiQL explorer in headless Chromium: it loads from this server alone (no CDN, no
other host), runs a query typed into its editor against /graphql and shows the answer."""

import json
import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect, sync_playwright

from src.demo import DEMO_PASSWORD
from src.graphql.transport.explorer import ASSETS

CHROMIUM = shutil.which("chromium")
ASSETS_BUILT = (ASSETS / "graphiql.min.js").is_file()  # the app's own path: they cannot drift
# Headless, and quiet: this machine (and CI) has no outside network, and without the
# background-networking flags Chromium reaches for Google's hosts on its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUERY = (
    f'mutation {{ login(input: {{login: "operator", password: "{DEMO_PASSWORD}"}}) '
    "{ tokenType me { login roles } } }"
)
WAIT_MS = 15_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="needs Chromium on PATH (Debian: `apt-get install chromium`)"
    ),
    pytest.mark.skipif(
        not ASSETS_BUILT, reason="the explorer's assets are not built: run `make explorer`"
    ),
]


class Recorded:
    """What the page did: every request it made, every console error and uncaught error."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.errors: list[str] = []

    def request(self, request: Request) -> None:
        self.requests.append(request)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location['url']})")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"uncaught: {error}")


@pytest.fixture
def browser_page() -> Iterator[tuple[Page, Recorded]]:
    assert CHROMIUM is not None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            recorded = Recorded()
            page.on("request", recorded.request)
            page.on("console", recorded.console)
            page.on("pageerror", recorded.page_error)
            yield page, recorded
        finally:
            browser.close()


def sent_query(request: Request) -> object:
    try:
        return json.loads(request.post_data or "{}").get("query")
    except ValueError:
        return None


def test_explorer_runs_a_typed_query_using_only_this_server(
    live_server: str, browser_page: tuple[Page, Recorded]
) -> None:
    page, recorded = browser_page
    response = page.goto(f"{live_server}/graphql")
    assert response is not None
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/html")

    # GraphiQL rendered: its query editor and its run button.
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    expect(editor).to_be_visible(timeout=WAIT_MS)
    run = page.get_by_role("button", name="Execute query")
    expect(run).to_be_visible()

    # Replace the default query as a user would: select all in the editor, delete, type.
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(QUERY)
    with page.expect_request(
        lambda r: (
            r.method == "POST" and urlsplit(r.url).path == "/graphql" and sent_query(r) == QUERY
        )
    ) as sent:
        run.click()
    assert json.loads(sent.value.post_data or "{}")["query"] == QUERY

    # The result pane shows the server's answer: the demo operator signed in.
    result = page.locator(".graphiql-response .CodeMirror").first
    expect(result).to_contain_text('"login": "operator"', timeout=WAIT_MS)
    expect(result).to_contain_text('"tokenType": "Bearer"')
    expect(result).not_to_contain_text('"errors"')
    page.wait_for_load_state("networkidle")

    # Every request went to this server, and the page talked to /graphql itself.
    own = urlsplit(live_server).netloc
    elsewhere = [r.url for r in recorded.requests if urlsplit(r.url).netloc != own]
    assert elsewhere == []
    assert [r for r in recorded.requests if urlsplit(r.url).path.startswith("/explorer/assets/")]
    to_graphql = [
        r.method
        for r in recorded.requests
        if urlsplit(r.url).path == "/graphql" and r.resource_type in ("fetch", "xhr")
    ]
    assert "POST" in to_graphql or "GET" in to_graphql

    assert recorded.errors == []
