"""Security headers on every response: pages, errors, redirects and static files.

A WSGI wrapper rather than an ``after_request`` hook, so that the static files WhiteNoise
answers before Flask sees the request carry them too. Flask-Talisman would cover pages only
and would need most of its features turned off (it redirects to HTTPS itself, which the TLS
proxy in front already does), so the few headers are set here.

Everything Flask answers but a static file carries ``Cache-Control: no-store`` (an
``after_request`` hook: WhiteNoise's static files never reach it): no page, CSV or API
answer about the practice's staff is kept by a browser's cache, a shared proxy or the back
button of a clinic's shared computer. The public pages (sign-in, errors) are no-store too:
one rule for every page is simpler to keep right than a list of private ones.
"""

from __future__ import annotations

from flask import request

NO_STORE = "no-store"


def security_headers(config) -> list[tuple[str, str]]:
    """The headers every response carries under this configuration."""
    headers = [
        ("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"]),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        # For browsers that predate CSP's frame-ancestors.
        ("X-Frame-Options", "DENY"),
    ]
    if seconds := int(config["HSTS_SECONDS"]):
        headers.append(("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains"))
    return headers


class SecurityHeaders:
    """Add the headers to every response of the wrapped WSGI app (unless it set its own)."""

    def __init__(self, wsgi_app, headers: list[tuple[str, str]]):
        self.wsgi_app = wsgi_app
        self.headers = headers

    def __call__(self, environ, start_response):
        def start_with_headers(status, response_headers, exc_info=None):
            present = {name.lower() for name, _ in response_headers}
            extra = [(n, v) for n, v in self.headers if n.lower() not in present]
            return start_response(status, [*response_headers, *extra], exc_info)

        return self.wsgi_app(environ, start_with_headers)


def is_static_endpoint(endpoint: str | None) -> bool:
    """The app's and Bootstrap-Flask's static files (the few Flask itself serves)."""
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def _no_store(response):
    if not is_static_endpoint(request.endpoint):
        response.headers["Cache-Control"] = NO_STORE
    return response


def install_security_headers(app) -> None:
    app.after_request(_no_store)
    app.wsgi_app = SecurityHeaders(app.wsgi_app, security_headers(app.config))
