"""A bureau's first round in a real browser (system Chromium, desktop size), every gesture
counted: from an empty county to an open campaign with schools, targets and one printable
document of notices for the whole campaign; then the printed notice and code slips on A4,
measured and saved as screenshots (CI keeps them)."""

from __future__ import annotations

import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, County, Link, User
from tests.artifacts import screenshot
from tests.helpers import PASSWORD, make_app, release

#: A4 at the browser's 96 dpi
A4 = {"width": 794, "height": 1123}
MM = 96 / 25.4
SCHOOLS = [
    ("6501010001", "青山县第一小学", "小学", "城区", 1600, 90),
    ("6501010002", "青山县第二小学", "小学", "城区", 1200, 70),
    ("6501010003", "青山县实验中学", "初中", "城区", 1900, 140),
    ("6501010004", "东湖镇中心小学", "小学", "镇区", 800, 50),
    ("6501010005", "东湖镇初级中学", "初中", "镇区", 700, 60),
    ("6501010006", "西岭乡九年一贯制学校", "九年一贯制", "乡村", 420, 38),
    ("6501010007", "西岭乡中心小学", "小学", "乡村", 300, 22),
    ("6501010008", "南坪村小学", "小学", "乡村", 60, 6),
    ("6501010009", "北山镇中心小学", "小学", "镇区", 650, 40),
    ("6501010010", "北山镇初级中学", "初中", "镇区", 560, 45),
    ("6501010011", "青山县第三小学", "小学", "城区", 1400, 80),
    ("6501010012", "青山县第二中学", "初中", "城区", 1500, 110),
]


class Counted:
    """A page whose every user gesture (open an address, type into a field, click, choose a
    file) is counted."""

    def __init__(self, page):
        self.page, self.actions = page, []

    def _did(self, what: str) -> None:
        self.actions.append(what)

    def open(self, url: str) -> None:
        self._did(f"open {url}")
        self.page.goto(url)

    def fill(self, selector: str, value: str) -> None:
        self._did(f"type {selector}")
        self.page.fill(selector, value)

    def click(self, selector: str) -> None:
        self._did(f"click {selector}")
        with self.page.expect_navigation():
            self.page.click(selector)

    def press(self, selector: str) -> None:
        """A click that stays on the page (print)."""
        self._did(f"click {selector}")
        self.page.click(selector)

    def choose_file(self, selector: str, path) -> None:
        self._did(f"choose file {path.name}")
        self.page.set_input_files(selector, str(path))


def _empty_county(uri: str):
    app = make_app(uri)
    with app.app_context():
        county = County(name="青山县")
        db.session.add(county)
        db.session.flush()
        user = User(username="qs-admin", role="admin", county_id=county.id)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return app


def _schools_csv(tmp_path):
    """The school list as a bureau's Excel saves it as CSV: GBK."""
    lines = ["学校代码,学校名称,学段,城乡类型,在校生数,教师数"]
    lines += [",".join(str(v) for v in row) for row in SCHOOLS]
    path = tmp_path / "学校名单.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    return path


def test_a_bureau_opens_its_first_round_in_fifteen_actions(browser, db_uri, serve, tmp_path):
    app = _empty_county(db_uri)
    base = serve(app)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_init_script("window.print = function () { window.__printed = true; };")
    page = context.new_page()
    try:
        u = Counted(page)
        u.open(f"{base}/console/")  # not signed in: the sign-in page
        u.fill("input[name=username]", "qs-admin")
        u.fill("input[name=password]", PASSWORD)
        u.click("button:has-text('登录')")
        u.click("a:has-text('新建调查')")
        u.fill("input[name=name]", "2026年青山县义务教育优质均衡社会认可度自评")
        u.click("form.card.form button.btn")
        assert "下一步：导入学校" in page.content()
        u.choose_file("input[type=file]", _schools_csv(tmp_path))
        u.click("button:has-text('导入')")
        assert "新增 12 所学校" in page.content()
        u.click(".guide a.btn")  # 下一步: the targets, filled in with the formula's suggestion
        u.click("button:has-text('保存目标')")
        assert "目标已保存" in page.content()
        u.click(".guide a.btn:has-text('打印全部学校的告知单')")
        # four school groups per school; deputies and the public: one county-wide link each
        assert page.locator("article.notice").count() == 12 * 4 + 2
        assert page.locator("article.notice h2:has-text('全县')").count() == 2
        u.press("button[data-print]")
        assert page.evaluate("window.__printed === true")
        u.click("a:has-text('返回调查')")
        u.click(".guide button:has-text('开放调查')")
        assert "调查已开放" in page.content()
        screenshot(page, "round-1-opened")
    finally:
        context.close()
    with app.app_context():
        campaign = db.session.scalars(sa.select(Campaign)).one()
        assert campaign.state() == "open" and len(campaign.schools_only) == 12
        assert [s.code for s in campaign.schools if s.county_wide] == ["全县"]
        assert campaign.slug == "qingshanxian-" + campaign.slug.split("-")[1] + "-1"
        targets = list(
            db.session.scalars(sa.select(Link.target).where(Link.campaign_id == campaign.id))
        )
        assert all(t is not None for t in targets) and sum(targets) > 0, targets
    print(f"guided round: {len(u.actions)} actions: " + "; ".join(u.actions))
    assert len(u.actions) <= 15
    release(app)


def _pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF (Chromium's page objects: /Type /Page, not /Pages)."""
    import re

    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _print_page(browser, url: str):
    """A page laid out as Chromium prints it on A4 (print media, 96 dpi)."""
    context = browser.new_context(viewport=A4, locale="zh-CN")
    page = context.new_page()
    page.emulate_media(media="print")
    page.goto(url)
    return context, page


def _signed_in_cookie(browser, base: str, username: str):
    context = browser.new_context(viewport=A4, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("button:has-text('登录')")
    return context, page


def test_printed_notice_and_slips_sit_on_a4(browser, db_uri, serve):
    from tests.helpers import make_demo_app

    app = make_demo_app(db_uri, admin="admin")
    base = serve(app)
    demo = app.config["DEMO_ID"]
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.link_mode, campaign.contact = "code", "示例县教育局督导室 0355-1234567"
        for link in db.session.scalars(sa.select(Link).where(Link.campaign_id == demo)):
            link.target = 9
        db.session.commit()
    context, page = _signed_in_cookie(browser, base, "admin")
    try:
        page.emulate_media(media="print")
        page.goto(f"{base}/console/campaigns/{demo}/notices")
        first = page.locator("article.notice").first
        qr = first.locator(".qr svg").bounding_box()
        # 80 mm square, centred on the page
        assert abs(qr["width"] - 80 * MM) < 2 and abs(qr["height"] - 80 * MM) < 2
        assert abs((qr["x"] + qr["width"] / 2) - A4["width"] / 2) < 2
        assert first.bounding_box()["height"] <= A4["height"] - 30 * MM  # fits one page
        page.screenshot(path=str(screenshot(page, "print-notice-a4")), clip={"x": 0, "y": 0, **A4})
        # Chromium's own print to A4: one page per notice, none spilling onto a second
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert _pdf_pages(pdf) == 48
        csrf = page.context.request.get(f"{base}/console/campaigns/{demo}/links")
        token = csrf.text().split('name="csrf_token" value="')[1].split('"')[0]
        page.context.request.post(
            f"{base}/console/campaigns/{demo}/codes", form={"csrf_token": token}
        )
        page.goto(f"{base}/console/campaigns/{demo}/slips")
        slips = page.locator(".slip")
        assert slips.count() == 48 * 11  # ceil(9 x 1.2) for each of 48 links
        right = max(
            b["x"] + b["width"]
            for b in slips.evaluate_all(
                "els => els.slice(0, 40).map(e => { const r = e.getBoundingClientRect();"
                " return {x: r.x, width: r.width}; })"
            )
        )
        assert right <= A4["width"] - 6  # nothing runs off the page's right edge
        lefts = {
            round(b["x"])
            for b in slips.evaluate_all(
                "els => els.slice(0, 10).map(e => ({x: e.getBoundingClientRect().x}))"
            )
        }
        assert len(lefts) == 2  # two columns
        page.screenshot(path=str(screenshot(page, "print-slips-a4")), clip={"x": 0, "y": 0, **A4})
        # each school's group starts on a page of its own: 11 slips fit one A4 page
        assert _pdf_pages(page.pdf(format="A4", prefer_css_page_size=True)) == 48
    finally:
        context.close()
        release(app)
