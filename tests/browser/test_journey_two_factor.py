"""Two-factor sign-in and the idle timeout, in a real browser (DESIGN section 12)."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD
from tracker import dates
from tracker.vocabulary import Role

ADMIN = "admin@valley.example.org"
ANA = "ana@valley.example.org"


def turn_on(page) -> tuple[str, list[str]]:
    """On the set-up page: read the key, enter the app's code; returns key and codes."""
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    # Visible is not yet loaded: wait for the image to finish, then it must have drawn.
    page.wait_for_function("(img) => img.complete", arg=qr.element_handle())
    assert page.evaluate("(img) => img.naturalWidth", qr.element_handle()) > 0  # it drew
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Six-digit code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Two-factor sign-in is on")).to_be_visible()
    codes = page.locator(".recovery-code").all_inner_texts()
    assert len(codes) == 10
    page.get_by_role("link", name="I have kept them").click()
    expect(page.get_by_text("Recovery codes left: 10 of 10")).to_be_visible()
    return secret, codes


def password_step(page, email):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()


def test_turning_on_two_factor_and_signing_in_with_a_code_and_a_recovery_code(
    page, seed, sign_in, sign_out
):
    seed.person(ANA)
    sign_in(page, ANA)
    page.get_by_role("link", name="Ana · Medical assistant").click()  # the navbar's name
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    secret, codes = turn_on(page)
    sign_out(page)

    # A code from the app.
    password_step(page, ANA)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(
        pyotp.TOTP(secret).at(dates.now() + timedelta(seconds=30))  # the next step's code
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    sign_out(page)

    # A recovery code, once.
    password_step(page, ANA)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("You signed in with a recovery code")).to_be_visible()
    page.goto("/account/")
    expect(page.get_by_text("Recovery codes left: 9 of 10")).to_be_visible()
    sign_out(page)
    password_step(page, ANA)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right, or was used already.")).to_be_visible()


def test_an_admin_is_sent_to_set_up_two_factor_before_anything_else(
    page, live_server, seed, sign_in
):
    live_server.app.config["REQUIRE_2FA_ROLES"] = "admin,compliance"
    seed.person(ADMIN, Role.admin)

    sign_in(page, ADMIN)

    expect(page).to_have_url(f"{live_server.url}/account/two-factor")
    expect(page.get_by_text("Your role signs in with two factors")).to_be_visible()
    page.goto("/audit/")
    expect(page).to_have_url(f"{live_server.url}/account/two-factor")
    turn_on(page)
    page.goto("/audit/")
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible()


def test_an_idle_session_ends_and_the_person_comes_back_where_they_were(page, seed, sign_in):
    seed.person(ANA)
    start = dates.now()
    with time_machine.travel(start, tick=True):
        sign_in(page, ANA)
        page.goto("/staff/me")
    with time_machine.travel(start + timedelta(minutes=33), tick=True):
        page.reload()
        expect(page.get_by_text("You were signed out after 30 minutes without activity")
               ).to_be_visible()  # fmt: skip
        page.get_by_label("Email").fill(ANA)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/staff/\d+$"))  # /staff/me is their own file
