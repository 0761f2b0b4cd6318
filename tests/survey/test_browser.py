"""A real phone browser: the system's Chromium driven by Playwright at 375×667 with touch.

Chromium comes from the operating system's packages (/usr/bin/chromium, or CHROMIUM); no
browser is ever downloaded. Without it these tests are skipped, unless REQUIRE_BROWSER=1
(as in CI), where a missing browser is a failure. Screenshots go to tests/artifacts.py's folder.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Response
from tests.artifacts import screenshot
from tests.helpers import (
    PASSWORD,
    complete_answers,
    link_token,
    make_demo_app,
    questionnaire_for,
    release,
)

PHONE = {
    "viewport": {"width": 375, "height": 667},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.47"
    ),
}


@pytest.fixture
def live(db_uri, serve):
    """The app served over real HTTP on a free port, with the demo campaign and an admin."""
    app = make_demo_app(db_uri, admin="admin", DASHBOARD_REFRESH_SECONDS=1)
    app.config["LIVE_URL"] = serve(app)
    yield app
    release(app)


@pytest.fixture
def uyghur(live):
    """The live demo campaign offers Uyghur beside Chinese."""
    with live.app_context():
        campaign = db.session.get(Campaign, live.config["DEMO_ID"])
        campaign.languages = ["zh-Hans", "ug"]
        db.session.commit()


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def _answer(page, q, answers, tap: bool = True) -> None:
    """Choose every answer the way a person does: by tapping the option's label."""
    for item in q.items:
        value = answers.get(item.code)
        if value is None:
            continue
        if item.type == "single":
            label = page.locator(f"label[for='{item.code}-{value}']")
            label.tap() if tap else label.click()
        else:
            page.locator(f"textarea#{item.code}").fill(value)


def _double_tap(page, selector: str) -> None:
    """Two quick taps on the screen where the element is, as a thumb does."""
    target = page.locator(selector)
    target.scroll_into_view_if_needed()
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.touchscreen.tap(x, y)


def _wait_for_thanks(page, seconds: float = 15) -> None:
    """Wait until the thank-you page shows, across aborted and repeated navigations."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if page.url.endswith("/thanks") and "提交成功" in page.content():
                return
        except Exception:  # noqa: BLE001 - the page is between documents
            pass
        page.wait_for_timeout(100)  # lets Playwright take in the page's events (url)
    screenshot(page, "no-thanks")
    raise AssertionError(f"no thank-you page, still at {page.url}")


def _survey(app, group="parent"):
    demo = app.config["DEMO_ID"]
    token = link_token(app, demo, group)
    q = questionnaire_for(app, demo, group)
    answers = complete_answers(q, group)
    answers[q.text_items[0].code] = "希望多开展家校活动。"
    return f"{app.config['LIVE_URL']}/s/{token}", q, answers


def test_parent_offline_reload_restore_double_tap_stores_one(browser, live):
    url, q, answers = _survey(live)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    _answer(page, q, answers)
    required = sum(1 for i in q.items if i.required)
    assert page.locator("#done").inner_text() == f"已答 {required} / {required} 题"
    screenshot(page, "1-parent-filled")

    context.set_offline(True)  # the connection drops before submitting
    page.locator("#send").tap()
    page.locator("#net").wait_for(state="visible")
    assert "网络连接中断" in page.locator("#net").inner_text()
    screenshot(page, "2-parent-offline")
    page.close()
    assert _stored(live) == 0

    context.set_offline(False)  # later, the parent opens the link again
    page = context.new_page()
    page.goto(url)
    checked = page.locator("input[type=radio]:checked").count()
    assert checked == sum(1 for i in q.items if i.type == "single")
    assert page.locator(f"textarea#{q.text_items[0].code}").input_value() == "希望多开展家校活动。"
    screenshot(page, "3-parent-restored")

    _double_tap(page, "#send")  # the impatient second tap
    _wait_for_thanks(page)
    screenshot(page, "4-parent-thanks")
    time.sleep(0.3)
    assert _stored(live) == 1
    page.goto(url)  # the same phone again: told it already answered
    assert "已经提交过" in page.content()
    context.close()
    assert _stored(live) == 1


def test_without_javascript_the_plain_form_works_and_counts_once(browser, live):
    url, q, answers = _survey(live, "teacher")
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    with page.expect_navigation():
        page.locator("#send").tap()  # nothing answered: the server lists what is missing
    assert "还有" in page.content() and page.locator(".q.bad").count() >= 1
    screenshot(page, "5-nojs-missing")
    _answer(page, q, answers)
    _double_tap(page, "#send")  # without JS the browser drops the first post for the second
    _wait_for_thanks(page)
    screenshot(page, "6-nojs-thanks")
    time.sleep(0.3)
    context.close()
    assert _stored(live) == 1


@pytest.mark.parametrize("phone", ["no script", "no storage"])
def test_without_script_or_storage_the_language_switch_keeps_the_answers(
    browser, live, uyghur, phone
):
    """The page script restores answers from the phone's storage; where it has no script, or
    no storage (a private window refuses it), the switch posts the form instead."""
    url, q, answers = _survey(live)
    context = browser.new_context(**PHONE, java_script_enabled=phone != "no script")
    page = context.new_page()
    if phone == "no storage":
        page.add_init_script("Storage.prototype.setItem = () => { throw new Error('refused') }")
    page.goto(url)
    first = q.choice_items[:3]
    _answer(page, q, {i.code: answers[i.code] for i in first})
    with page.expect_navigation():
        page.locator("button[name=switch_lang][value=ug]").tap()
    assert page.locator("html").get_attribute("dir") == "rtl"
    for item in first:  # chosen in Chinese, still chosen in Uyghur, with no script to help
        assert page.locator(f"#{item.code}-{answers[item.code]}").is_checked()
    assert page.locator(".q.bad").count() == 0 and _stored(live) == 0
    assert "?lang=" not in page.url  # the post, not the script's page fetched again
    screenshot(page, f"7-{phone.replace(' ', '-')}-ug-switch")
    _answer(page, q, answers)
    with page.expect_navigation(url="**/thanks?lang=ug"):
        page.locator("#send").tap()
    assert "مۇۋەپپەقىيەتلىك يوللاندى" in page.content()
    context.close()
    with live.app_context():
        assert db.session.scalars(sa.select(Response.language)).all() == ["ug"]


def test_a_red_mark_clears_as_soon_as_the_item_is_answered(browser, live):
    """Missing items marked by the page (with JS) and by the server (a reload of what it
    refused) lose their mark, message and count the moment they are answered."""
    url, q, answers = _survey(live, "parent")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    required = [i for i in q.items if i.required and i.type == "single"]
    last, rest = required[-1], {k: v for k, v in answers.items() if k != required[-1].code}
    _answer(page, q, rest)
    page.locator("#send").tap()
    fs = page.locator(f"#q-{last.code}")
    assert "bad" in fs.get_attribute("class") and fs.locator(".err").count() == 1
    assert "还有 1 题没有作答" in page.locator("#net").inner_text()
    screenshot(page, "9-parent-one-missing")
    page.locator(f"label[for='{last.code}-{answers[last.code]}']").tap()
    assert "bad" not in fs.get_attribute("class") and fs.locator(".err").count() == 0
    assert page.locator("#net").is_hidden()
    screenshot(page, "10-parent-mark-cleared")
    # the server's own marks clear the same way: a form the page let through unchecked
    # comes back 422 with the item marked and the count at the top
    page.evaluate(f"document.querySelector('#q-{last.code} input:checked').checked = false")
    page.evaluate(
        "document.querySelectorAll('fieldset[data-required]')"
        ".forEach(function (f) { f.removeAttribute('data-required'); })"
    )
    with page.expect_navigation():
        page.locator("#send").tap()
    alert = page.locator("[data-missing]")
    assert alert.is_visible() and "还有 1 题" in alert.inner_text()
    fs = page.locator(f"#q-{last.code}")
    assert "bad" in fs.get_attribute("class")
    page.locator(f"label[for='{last.code}-{answers[last.code]}']").tap()
    assert "bad" not in fs.get_attribute("class") and fs.locator(".err").count() == 0
    assert alert.is_hidden()
    context.close()
    assert _stored(live) == 0


def test_admin_dashboard_count_moves_when_an_answer_arrives(browser, live):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live.config['LIVE_URL']}/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.locator("button[type=submit], form button").first.click()
    page.goto(f"{live.config['LIVE_URL']}/console/campaigns/{live.config['DEMO_ID']}")
    count = page.locator("#total-count")
    assert count.inner_text() == "0"
    screenshot(page, "7-dashboard-before")

    url, q, answers = _survey(live, "public")
    phone = browser.new_context(**PHONE)
    answer = phone.new_page()
    answer.goto(url)
    _answer(answer, q, answers)
    answer.locator("#send").tap()
    answer.wait_for_url("**/thanks")
    phone.close()

    from playwright.sync_api import expect

    expect(count).to_have_text("1", timeout=10000)  # the page polls every second in this test
    screenshot(page, "8-dashboard-after")
    context.close()


def test_the_social_form_shows_each_identity_its_own_items(browser, live):
    """Hidden items appear and go as the identity changes, without a reload; the sheet sent
    carries only the items asked."""
    from survey.models import Campaign, School
    from survey.services.campaigns import create_campaign, ensure_links

    with live.app_context():
        county = db.session.get(Campaign, live.config["DEMO_ID"]).county
        campaign = create_campaign(
            county, "国家认定三卷", layout="national_2024", county_links=True
        )
        campaign.status = "open"
        campaign.schools.append(
            School(code="N001", name="青山小学", stage="primary", location="urban", enrolment=500)
        )
        db.session.flush()
        ensure_links(campaign)
        db.session.commit()
        cid = campaign.id
    token = link_token(live, cid, "public")
    q = questionnaire_for(live, cid, "public")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live.config['LIVE_URL']}/s/{token}")
    visible = lambda code: page.locator(f"#q-{code}").is_visible()  # noqa: E731
    assert not visible("JZ01") and not visible("RD01") and visible("SJ01")
    assert page.locator(".cond").first.is_hidden()  # the words are for pages without script
    page.locator("label[for='ID-1']").tap()  # 学生家长
    assert visible("JZ01") and visible("JZ03") and not visible("RD01")
    parents_total = page.locator("#done").inner_text()
    page.locator("label[for='ID-2']").tap()  # 人大代表
    assert not visible("JZ01") and visible("RD01")
    assert page.locator("#done").inner_text() != parents_total
    screenshot(page, "social-deputy")
    answers = complete_answers(q, "deputy")
    _answer(page, q, {k: v for k, v in answers.items() if not k.startswith("JZ") and k != "ID"})
    required = sum(1 for i in q.items if i.required and not i.code.startswith("JZ"))
    assert page.locator("#done").inner_text() == f"已答 {required} / {required} 题"
    page.locator("#send").tap()
    _wait_for_thanks(page)
    context.close()
    with live.app_context():
        (stored,) = db.session.scalars(
            sa.select(Response.answers).where(Response.campaign_id == cid)
        ).all()
    assert stored["ID"] == "2" and "RD01" in stored and not any(k.startswith("JZ") for k in stored)


def _fits(page) -> bool:
    """No horizontal scroll: the page is no wider than the phone."""
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


def _header_clear(page) -> bool:
    """The text-size button covers none of the header's words (the campaign's name, say)."""
    return page.evaluate(
        """() => {
        const b = document.getElementById("size").getBoundingClientRect();
        const range = document.createRange();
        for (const el of document.querySelectorAll(".head p, .head h1")) {
            range.selectNodeContents(el);
            for (const r of range.getClientRects()) {
                if (r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom)
                    return false;
            }
        }
        return true;
    }"""
    )


def test_uyghur_reads_right_to_left_and_the_switch_keeps_the_answers(browser, live, uyghur, axe):
    url, q, answers = _survey(live)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert axe(page) == []
    first = q.choice_items[:3]
    _answer(page, q, {i.code: answers[i.code] for i in first})
    with page.expect_navigation():
        page.locator("button[name=switch_lang][value=ug]").tap()
    assert page.url.endswith("?lang=ug")  # fetched again: a reload asks nothing
    assert page.locator("html").get_attribute("lang") == "ug"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    for item in first:  # chosen in Chinese, still chosen in Uyghur
        assert page.locator(f"#{item.code}-{answers[item.code]}").is_checked()
    box = page.locator(f"label[for='{first[0].code}-{answers[first[0].code]}']").bounding_box()
    radio = page.locator(f"#{first[0].code}-{answers[first[0].code]}").bounding_box()
    assert radio["x"] > box["x"] + box["width"] / 2  # the radio button on the right
    assert _fits(page) and _header_clear(page)
    assert axe(page) == []
    screenshot(page, "ug-rtl")
    page.locator("#size").tap()  # large text
    assert page.locator("html").get_attribute("class") == "big"
    assert _fits(page) and _header_clear(page)
    assert axe(page) == []
    screenshot(page, "ug-large")
    page.reload()  # remembered on the phone
    assert page.locator("html").get_attribute("class") == "big"
    _answer(page, q, answers)
    page.locator("#send").tap()
    page.wait_for_url("**/thanks?lang=ug")
    assert "مۇۋەپپەقىيەتلىك يوللاندى" in page.content()
    assert page.locator("html").get_attribute("dir") == "rtl"
    context.close()
    with live.app_context():
        assert db.session.scalars(sa.select(Response.language)).all() == ["ug"]


def test_a_paper_sheet_is_typed_from_the_keyboard_alone(browser, live):
    """The sheet number, Enter, then one digit per item (each moves on by itself), Enter past
    the comment: the sheet is saved without touching the mouse."""
    from survey.importing import paper
    from survey.models import Campaign, EntryBatch, User

    with live.app_context():
        campaign = db.session.get(Campaign, live.config["DEMO_ID"])
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        batch = paper.new_batch(campaign, campaign.schools_only[0], "parent", "", admin)
        db.session.commit()
        batch_id = batch.id
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live.config['LIVE_URL']}/auth/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.locator("button[type=submit], form button").first.click()
    page.goto(
        f"{live.config['LIVE_URL']}/console/campaigns/{live.config['DEMO_ID']}/paper/{batch_id}/1"
    )
    from playwright.sync_api import expect

    # the operator starts typing once the cursor shows in the number field (its autofocus can
    # land a moment after the page's load event on a busy machine; a key before it is lost)
    expect(page.locator("label.entry-number input[name=number]")).to_be_focused()
    page.keyboard.type("42")
    page.keyboard.press("Enter")
    page.keyboard.type("1" * 16 + "2")  # P01-P16 满意, P17 比较满意
    page.keyboard.press("Enter")  # the comment left blank: saves
    expect(page.locator("p.flash")).to_have_text("第 42 号已保存。")
    screenshot(page, "paper-entry")
    with live.app_context():
        typed = db.session.scalar(sa.select(EntryBatch).where(EntryBatch.id == batch_id)).sheets
        assert [s.number for s in typed] == [42]
        assert typed[0].answers["P16"] == "1" and typed[0].answers["P17"] == "2"
    context.close()
