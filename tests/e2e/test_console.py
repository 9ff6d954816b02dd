"""The coordinator console in headless Chromium against the real worker and broker: sign-in, a GDACS earthquake on
the map and in the list live, plan review and approval, the staffing board with a live escalation, office scoping,
no request leaving 127.0.0.1, and axe-core on every page. Screenshots go to test-output/console/.

The session cookie's rules (HttpOnly, SameSite=Strict, CSRF on changes, sign-out and token revocation end it) are
checked with plain HTTP first, the way an attacker's script would try them."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from responders.roster import export_experts_csv, export_partners_csv, generate_roster
from tests.browser import axe_violations, chromium_driver, requested_urls, wait_for
from tests.e2e.conftest import wait_until
from tests.e2e.test_plans import orange_earthquake_feed

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "console"
LAPTOP, PHONE = (1366, 768), (390, 844)


@pytest.fixture(scope="module")
def staffed(server):
    admin = server.admin()
    experts, partners = generate_roster(400, 30, seed=3, epoch=date.today().replace(day=1))
    for kind, body in (("experts", export_experts_csv(experts)), ("partners", export_partners_csv(partners))):
        r = admin.post(f"/v1/{kind}/import", content=body.encode(), headers={"Content-Type": "text/csv"})
        assert r.status_code == 200, r.text
    wait_until(lambda: admin.get("/v1/experts", params={"limit": 1}).json(), lambda p: p["total"] >= 400,
               what="roster in the view")
    return server


@pytest.fixture(scope="module")
def browser():
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver = chromium_driver(network_log=True)
    driver.set_window_size(*LAPTOP)
    driver.get("about:blank")
    requested_urls(driver)  # what the fresh profile's new-tab page loaded (chrome://...) is not the console's
    yield driver
    driver.quit()


def sign_in(driver, url: str, token: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{url}/")  # the root leads to the console
    field = wait_for(driver, "return document.getElementById('token')", what="the sign-in form")
    assert driver.execute_script("return location.pathname") == "/console"
    field.send_keys(token, Keys.ENTER)  # by keyboard: the form submits on Enter
    wait_for(driver, "return document.body.dataset.rendered === 'crises'", what="the crises page after sign-in")


def rendered(driver, page: str, hash_: str) -> None:
    driver.execute_script("document.body.dataset.rendered = ''; location.hash = arguments[0]", hash_)
    wait_for(driver, f"return document.body.dataset.rendered === '{page}'", what=f"the {page} page")


def check_page(driver, name: str) -> None:
    """Screenshot, axe-core's serious and critical violations (none), and nothing wider than the window."""
    driver.save_screenshot(str(SHOTS / f"{name}.png"))
    assert axe_violations(driver) == [], name
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name} is {overflow}px wider than the window"


# --- the session cookie over plain HTTP ------------------------------------------------------------------------

def test_session_cookie_is_httponly_strict_csrf_checked_and_ends_on_sign_out(server):
    token = server.token("coordinator", "--office", "co-suva")
    with httpx.Client(base_url=server.url, timeout=15) as web:
        r = web.post("/console/session", json={"token": token})
        assert r.status_code == 201, r.text
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
        csrf = r.json()["csrf_token"]
        assert r.json()["office_id"] == "co-suva" and csrf
        assert web.get("/v1/crises").status_code == 200  # the cookie is the token's principal
        assert web.get("/console/session").json()["csrf_token"] == csrf

        refused = web.patch("/v1/plans/pln-none", json={"roles": []})
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
        wrong = web.patch("/v1/plans/pln-none", json={"roles": []}, headers={"X-CSRF-Token": "x" * 43})
        assert wrong.status_code == 403
        passed = web.patch("/v1/plans/pln-none", json={"roles": []}, headers={"X-CSRF-Token": csrf})
        assert passed.status_code == 404, passed.text  # past the gate: the plan does not exist

        assert web.delete("/console/session").status_code == 403  # signing out is a change too
        assert web.delete("/console/session", headers={"X-CSRF-Token": csrf}).status_code == 204
        kept = web.cookies.get("rrc_session")
        assert kept is None
    with httpx.Client(base_url=server.url, timeout=15, cookies={"rrc_session": r.cookies["rrc_session"]}) as replay:
        assert replay.get("/v1/crises").status_code == 401, "a signed-out session must not work again"


def test_revoking_the_token_ends_its_sessions_and_only_staff_may_sign_in(server):
    token = server.token("coordinator", "--office", "co-suva")
    token_id = token.split("_")[1]
    with httpx.Client(base_url=server.url, timeout=15) as web:
        assert web.post("/console/session", json={"token": token}).status_code == 201
        assert web.get("/v1/crises").status_code == 200
        assert server.admin().delete(f"/v1/tokens/{token_id}").status_code in (200, 204)
        wait_until(lambda: web.get("/v1/crises").status_code, lambda s: s == 401, timeout=10,
                   what="the revoked token's session refused")
    expert = server.token("expert", "--expert-id", "exp-console")
    with httpx.Client(base_url=server.url, timeout=15) as web:
        r = web.post("/console/session", json={"token": expert})
        assert r.status_code == 403 and "coordinators and admins" in r.json()["detail"]
        assert "set-cookie" not in r.headers
        bad = web.post("/console/session", json={"token": "rrc_0000000000000000_" + "A" * 43})
        assert bad.status_code == 401 and set(bad.json()) >= {"error", "detail"}
        foreign = web.post("/console/session", json={"token": server.token("coordinator")},
                           headers={"Origin": "http://evil.example"})
        assert foreign.status_code == 403 and "Origin" in foreign.json()["detail"]


def test_console_assets_come_from_this_origin(server):
    page = server.client().get("/console")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    scripts = re.findall(r'src="([^"]+)"', page.text)
    assert scripts and all(s.startswith("/console/") for s in scripts)
    for src in scripts:
        assert server.client().get(src).status_code == 200, src
    outlines = server.client().get("/console/countries.json").json()
    ids = {g["id"] for g in outlines["objects"]["countries"]["geometries"]}
    assert {"VUT", "FRA", "BRA", "IDN"} <= ids  # Natural Earth outlines keyed by ISO3, as crises name countries
    assert server.client().get("/console/vendor/package.json").status_code == 404  # an allow-list, not a folder
    assert server.client().get("/console/static/../routes.py").status_code == 404


# --- the console in Chromium ------------------------------------------------------------------------------------

def test_a_coordinator_sees_an_earthquake_live_reviews_and_approves_its_plan_and_watches_staffing(
        staffed, browser, shared_data):
    server = staffed
    coordinator = server.client(server.token("coordinator", "--office", "co-suva"))
    sign_in(browser, server.url, server.token("coordinator", "--office", "co-suva"))
    check_page(browser, "signed-in-crises-empty")

    # 1. A GDACS earthquake ingested through the API appears on the map and in the list, without a reload.
    browser.execute_script("window.__notReloaded = true")
    r = coordinator.post("/v1/signals/feed", params={"format": "gdacs"}, content=orange_earthquake_feed(shared_data))
    assert r.status_code == 202, r.text
    posted = time.monotonic()
    crisis_id = wait_for(browser, "const row = [...document.querySelectorAll('#crisis-table tbody tr[data-id]')]"
                                  ".find(r => r.textContent.includes('VUT')); return row && row.dataset.id",
                         timeout=5, what="the earthquake in the list within 5 s")
    wait_for(browser, f"return document.querySelector('#crisis-map [data-crisis-id=\"{crisis_id}\"]') || "
                      "document.querySelector('#crisis-map [data-iso3=\"VUT\"][data-severity]')",
             timeout=max(0.1, 5 - (time.monotonic() - posted)), what="the earthquake on the map within 5 s")
    assert browser.execute_script("return window.__notReloaded === true"), "the page reloaded"
    assert coordinator.get(f"/v1/crises/{crisis_id}").json()["hazard"] == "earthquake"
    check_page(browser, "crises")

    # 2. The crisis page, then its plan: candidates' score parts are visible; approving launches the intervention.
    plans = wait_until(lambda: coordinator.get("/v1/plans", params={"crisis_id": crisis_id}).json(),
                       lambda p: p["total"] >= 1, what="a proposed plan")
    plan_id = plans["items"][0]["plan_id"]
    rendered(browser, "crisis", f"#/crises/{crisis_id}")
    wait_for(browser, f"return document.querySelector('#plans-table a[href=\"#/plans/{plan_id}\"]')",
             what="the plan in the crisis page")
    assert "Signal from gdacs" in browser.find_element(By.ID, "crisis-timeline").text
    check_page(browser, "crisis")

    browser.execute_script("document.body.dataset.rendered = ''")
    browser.find_element(By.CSS_SELECTOR, f'#plans-table a[href="#/plans/{plan_id}"]').click()
    wait_for(browser, "return document.body.dataset.rendered === 'plan'", what="the plan review")
    parts = browser.execute_script("return [...document.querySelectorAll('.role .bars [data-part]')]"
                                   ".filter(e => e.getBoundingClientRect().width > 0).map(e => e.dataset.part)")
    assert "skill" in parts, parts
    labels = browser.execute_script("return [...document.querySelectorAll('.role .bars')].map(e => e.getAttribute("
                                    "'aria-label'))")
    assert any(re.search(r"skill \d\.\d\d", label) for label in labels)
    check_page(browser, "plan-review")

    # An edit the API refuses shows its error next to the field (a role needs at least one expert).
    first_role = browser.execute_script("return document.querySelector('.role').dataset.role")
    count = browser.find_element(By.ID, f"count-{first_role}")
    original = count.get_attribute("value")
    count.clear()
    count.send_keys("0")
    browser.find_element(By.ID, "save-plan").click()
    error = wait_for(browser, f"return document.getElementById('err-roles-{first_role}-count').textContent",
                     what="the field's error")
    assert "count" in error
    count.clear()
    count.send_keys(original)

    browser.find_element(By.ID, "approve-plan").click()
    launched = wait_for(browser, "const a = document.getElementById('launched'); return a && a.textContent",
                        what="the launched intervention")
    assert coordinator.get(f"/v1/plans/{plan_id}").json()["status"] == "approved"
    assert browser.find_element(By.ID, "plan-status").text == "approved"

    # 3. The staffing board shows the first offer; an expert declines through the API; the escalation appears live.
    rendered(browser, "staffing", f"#/staffing/{launched}")
    board = wait_until(lambda: coordinator.get(f"/v1/interventions/{launched}/staffing"),
                       lambda r: r.status_code == 200 and r.json()["offers"], what="the first offers")
    wait_for(browser, "return document.querySelectorAll('#offers-table [data-state=\"offered\"]').length > 0",
             what="an offer on the board")
    assert re.search(r"\d+h \d\dm \d\ds left", browser.find_element(By.ID, "offers-table").text)
    check_page(browser, "staffing")
    board = board.json()
    movable = {(s["role"], s["seat"]) for s in board["seats"] if s["candidates_left"] > 0 or not s["relaxed"]}
    offer = next(o for o in board["offers"] if o["state"] == "offered" and (o["role"], o["seat"]) in movable)
    expert = server.client(server.token("expert", "--expert-id", offer["expert_id"]))
    r = expert.post(f"/v1/deployment-requests/{offer['request_id']}/decline", json={"reason": "on another mission"})
    assert r.status_code == 200, r.text
    wait_for(browser, "return document.querySelector('#staffing-feed [data-type=\"rrc.deployment.escalated\"]')",
             what="the escalation on the board")
    wait_for(browser, f"return [...document.querySelectorAll('#offers-table tr[data-id=\"{offer['request_id']}\"]')]"
                      ".some(r => r.textContent.includes('declined'))", what="the declined offer")
    assert browser.execute_script("return window.__notReloaded === true"), "the page reloaded"
    check_page(browser, "staffing-escalated")

    # 4. The other pages render and pass axe too: the Gantt chart and delivery control.
    rendered(browser, "deployments", "#/deployments")
    assert browser.find_elements(By.CSS_SELECTOR, "#gantt rect[data-request-id]")
    check_page(browser, "deployments")
    rendered(browser, "delivery", "#/delivery")
    assert launched in browser.find_element(By.ID, "targets-table").text
    check_page(browser, "delivery")
    rendered(browser, "staffing-index", "#/staffing")
    check_page(browser, "staffing-index")

    # On a phone the pages fit the screen too.
    browser.set_window_size(*PHONE)
    try:
        for page, hash_ in (("crises", "#/crises"), ("plan", f"#/plans/{plan_id}"),
                            ("staffing", f"#/staffing/{launched}")):
            rendered(browser, page, hash_)
            check_page(browser, f"phone-{page}")
    finally:
        browser.set_window_size(*LAPTOP)

    # 5. A coordinator of another office does not see the crisis, on the map, in the list or by its address.
    sign_in(browser, server.url, server.token("coordinator", "--office", "co-abidjan"))
    assert not browser.find_elements(By.CSS_SELECTOR, f'#crisis-table tr[data-id="{crisis_id}"]')
    assert not browser.find_elements(By.CSS_SELECTOR, f'#crisis-map [data-crisis-id="{crisis_id}"]')
    assert not browser.find_elements(By.CSS_SELECTOR, '#crisis-map [data-iso3="VUT"][data-severity]')
    browser.execute_script("location.hash = arguments[0]", f"#/crises/{crisis_id}")
    wait_for(browser, "const h = document.querySelector('main h1'); return h && h.textContent === 'Not found'",
             what="not found")
    check_page(browser, "other-office-not-found")

    # 6. Sign out ends the session: the page is back at the sign-in form and the old cookie is refused.
    browser.find_element(By.ID, "sign-out").click()
    wait_for(browser, "return document.getElementById('token')", what="the sign-in form after sign-out")
    check_page(browser, "signed-out")

    # 7. Every request the browser made went to the API on 127.0.0.1 (data: and blob: URLs never leave it).
    urls = requested_urls(browser)
    assert len(urls) > 20
    foreign = [u for u in urls if urlparse(u).scheme not in ("data", "blob") and urlparse(u).hostname != "127.0.0.1"]
    assert foreign == []
