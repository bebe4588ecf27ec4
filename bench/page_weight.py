"""Measure what a page view costs on the wire: cold (empty cache) against warm.

    .venv/bin/python bench/page_weight.py [--email manager@demo.clinic] [PATH ...]

Serves the app on 127.0.0.1 with the demo practice in a temporary SQLite file, signs in
with Debian's Chromium (/usr/bin/chromium, through Playwright) and, for each page (by
default the home page and a few main ones), empties the browser's cache, opens the page
(cold), then opens it again (warm). Prints ONE JSON line: for each page the bytes that came
over the network (headers included; the Resource Timing API's transferSize, summed over
the page and everything it loaded) and how many requests the warm view made. Static files
carry versioned names and are cached for good, so a warm view is the page's HTML alone.
Figures, not tests: nothing here asserts a size.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: E402

from config import TestingConfig  # noqa: E402
from tracker import create_app  # noqa: E402
from tracker.catalog.services import ensure_catalog  # noqa: E402
from tracker.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from tracker.extensions import db  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PAGES = ["/", "/delegations/", "/staff/", "/competencies/", "/matrix", "/policy/"]

TRANSFERRED = """() => {
    const entries = performance.getEntriesByType('navigation')
        .concat(performance.getEntriesByType('resource'));
    return {
        bytes: entries.reduce((total, entry) => total + entry.transferSize, 0),
        requests: entries.filter(entry => entry.transferSize > 0).length,
    };
}"""


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def serve(folder: str):
    config = type(
        "BenchConfig",
        (TestingConfig,),
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite", "WTF_CSRF_ENABLED": True},
    )
    app = create_app(config)
    with app.app_context():
        db.create_all()
        ensure_catalog()
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def measure(page, cdp, path: str) -> dict:
    cdp.send("Network.clearBrowserCache")
    page.goto(path, wait_until="load")
    cold = page.evaluate(TRANSFERRED)
    page.goto(path, wait_until="load")
    warm = page.evaluate(TRANSFERRED)
    return {
        "cold_bytes": cold["bytes"],
        "cold_requests": cold["requests"],
        "warm_bytes": warm["bytes"],
        "warm_requests": warm["requests"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--email", default="manager@demo.clinic")
    parser.add_argument("paths", nargs="*", default=PAGES)
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing (apt-get install -y chromium)", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        server, url = serve(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
                )
                page = browser.new_context(base_url=url).new_page()
                page.goto("/login")
                page.get_by_label("Email").fill(args.email)
                page.get_by_label("Password").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(lambda current: "/login" not in current)
                cdp = page.context.new_cdp_session(page)
                pages = {path: measure(page, cdp, path) for path in args.paths}
                browser.close()
        finally:
            server.shutdown()
    print(json.dumps({"signed_in_as": args.email, "pages": pages}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
