#!/usr/bin/env bash
# schemathesis against the served OpenAPI description: a demo practice on a fresh SQLite
# file, an admin token with every scope, the app on a loopback port; stateless, a bounded
# number of examples per operation. Exits non-zero on any server error or non-conformance.
# One worker each run: with two threads schemathesis once failed inside itself on Python 3.11
# ("AST constructor recursion depth mismatch", on GET /api/v1/directions); about a minute more.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${SCHEMATHESIS_PORT:-5817}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-100}
WORK=$(mktemp -d)
export TRACKER_CONFIG=development DATABASE_URL="sqlite:///$WORK/st.sqlite"
# The run makes thousands of calls with one token: no rate limit here.
export API_RATE_LIMIT="1000000/minute"
$BIN/flask --app tracker db upgrade >/dev/null 2>&1
$BIN/flask --app tracker seed-demo >/dev/null
TOKEN=$($BIN/flask --app tracker create-token admin@demo.clinic --name schemathesis \
  --scope decide --scope read --scope write --days 1)
# Directions are given by providers only (DESIGN section 15): a provider's token for them.
PROVIDER_TOKEN=$($BIN/flask --app tracker create-token dr.lee@demo.clinic --name schemathesis \
  --scope decide --scope read --scope write --days 1)
$BIN/gunicorn --bind "127.0.0.1:$PORT" --workers 2 --limit-request-line 8190 --log-level warning "tracker:create_app()" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 50); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
  sleep 0.2
done
$BIN/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --generation-deterministic \
  --request-timeout 20 \
  --workers 1

# The directions, again as the provider who gives them (the admin's token may only read them).
$BIN/schemathesis run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  --header "Authorization: Bearer $PROVIDER_TOKEN" \
  --include-path /api/v1/directions \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --generation-deterministic \
  --request-timeout 20 \
  --workers 1
