"""Pages, JSON and CSV downloads go out compressed when the client accepts it (DESIGN
section 17), with the security headers kept. Static files are WhiteNoise's, compressed at
start-up (tests/functional/test_security_headers.py)."""

from __future__ import annotations

import gzip

import brotli
import pytest
import time_machine

from tracker import dates

GZIP = {"Accept-Encoding": "gzip"}


def varies_on_encoding(response) -> bool:
    return "accept-encoding" in response.headers.get("Vary", "").lower()


@pytest.fixture
def manager(practice, login_as):
    return login_as("manager@example.org")


def test_a_page_comes_back_gzip_encoded_for_a_client_that_accepts_it(client, manager):
    plain = client.get("/matrix?site=main")
    packed = client.get("/matrix?site=main", headers=GZIP)

    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert varies_on_encoding(packed)
    page = gzip.decompress(packed.data)
    assert b"Ana Ruiz" in page
    assert len(packed.data) < len(page) / 3
    # The headers every response carries are still there.
    assert packed.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    assert packed.headers["X-Content-Type-Options"] == "nosniff"
    # A client that does not say it accepts compression gets the page as it is.
    assert "Content-Encoding" not in plain.headers
    assert varies_on_encoding(plain)
    assert b"Ana Ruiz" in plain.data


def test_brotli_is_preferred_when_the_client_takes_both(client, manager):
    response = client.get("/matrix?site=main", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert response.headers["Content-Encoding"] == "br"
    assert b"Ana Ruiz" in brotli.decompress(response.data)


def test_a_streamed_csv_download_is_compressed_chunk_by_chunk(client, manager):
    # The clock stands still for both: the export names the second it was decided at.
    with time_machine.travel(dates.now(), tick=False):
        plain = client.get("/reports/matrix.csv?site=main")
        packed = client.get("/reports/matrix.csv?site=main", headers=GZIP)

    assert packed.is_streamed
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Content-Length" not in packed.headers
    assert packed.headers["Content-Disposition"] == plain.headers["Content-Disposition"]
    assert gzip.decompress(packed.data) == plain.data
    assert plain.data.startswith(b"site,decided_at,assistant_email")


def test_json_is_compressed_too(client, manager):
    spec = client.get("/api/v1/openapi.json", headers=GZIP)

    assert spec.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(spec.data).startswith(b"{")
