"""The JSON API (DESIGN section 10): flask-smorest over the same verbs as the pages."""

from __future__ import annotations

import http

from flask_smorest import Api
from flask_smorest.utils import prepare_response

from tracker.api.schemas import ProblemSchema
from tracker.problems import PROBLEM_JSON

API_PREFIX = "/api/v1"


class TrackerApi(Api):
    """flask-smorest's Api with every error documented and answered as problem+json.

    The app's own error handlers (tracker.errors) answer errors under /api/, so the JSON
    ones flask-smorest would install app-wide (and serve on HTML pages too) are left out.
    """

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (RFC 9457 problem details)", "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def init_api(app) -> None:
    """Attach the API, its OpenAPI description and its per-token rate limit to the app."""
    from tracker.api.views import bp
    from tracker.extensions import csrf

    app.config.setdefault("API_TITLE", "tracker")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    api = TrackerApi(
        app,
        spec_kwargs={
            "info": {
                "description": (
                    "May this medical assistant do this task, at this site, at this time? "
                    "Bearer tokens (Authorization: Bearer <token>) with the scopes decide, "
                    "read and write. Errors are RFC 9457 problem details. Dates and moments "
                    "run from 1900-01-01 to 2200-12-31; text holds no control characters (tab "
                    "and line breaks only in notes and reasons); a body nested more than 1,024 "
                    "deep, or holding a number no 64-bit float holds or a lone surrogate, is a "
                    "400."
                )
            },
        },
    )
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearer": []}]
    api.register_blueprint(bp)
    csrf.exempt(bp)
    app.extensions["tracker_api"] = api

    from tracker.api.tokens import revoke_tokens_on_deactivation

    revoke_tokens_on_deactivation()
