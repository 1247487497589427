"""The GraphiQL explorer in headless Chromium: it loads from this server alone (no CDN, no
other host), runs a query against /graphql and shows the server's answer."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium")
ASSETS_BUILT = (ROOT / "src" / "graphql" / "static" / "explorer" / "graphiql.min.js").is_file()
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
QUERY = "{ enterprises(first: 3) { nodes { name creditCode } } }"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (`apt-get install chromium`)"),
    pytest.mark.skipif(
        not ASSETS_BUILT, reason="the explorer's assets are not built: run `make explorer`"
    ),
]


class Recorded:
    """What the page did: every request it made, every console error and page error."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.errors: list[str] = []

    def request(self, request: Request) -> None:
        self.requests.append(request)

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def page_error(self, error: Exception) -> None:
        self.errors.append(f"page error: {error}")


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
            page.on("response", lambda r: print("RESP", r.status, r.url))
            page.on("requestfailed", lambda r: print("FAILED", r.url, r.failure))
            page.on("console", lambda m: print("CONSOLE", m.type, m.text, m.location))
            yield page, recorded
        finally:
            browser.close()


def test_explorer_runs_a_query_using_only_this_server(
    live_server: str, browser_page: tuple[Page, Recorded]
) -> None:
    page, recorded = browser_page
    response = page.goto(f"{live_server}/graphql")
    assert response is not None
    assert response.status == 200
    assert "text/html" in response.headers["content-type"]

    # GraphiQL rendered: its query editor and its run button.
    editor = page.locator(".graphiql-query-editor .CodeMirror").first
    expect(editor).to_be_visible(timeout=15_000)
    run = page.locator("button.graphiql-execute-button")
    expect(run).to_be_visible()

    # Replace the default query the way a user does: select all in the editor and type.
    editor.click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(QUERY)
    run.click()

    result = page.locator(".graphiql-response .CodeMirror").first
    expect(result).to_contain_text('"enterprises"', timeout=15_000)
    expect(result).to_contain_text('"creditCode"')
    text = result.inner_text()
    print(text)
    print(recorded.errors)
    print([(r.method, r.url) for r in recorded.requests])
    assert False
