"""Survey pages in the languages a campaign offers: chosen by the link, then the phone, then
zh-Hans; Uyghur right to left from the language itself; the answers keep their language and the
analysis pools them, with a table per language."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Response
from tests.helpers import complete_answers, hidden_fields, link_token, questionnaire_for

UG_TITLE = "ئاتا-ئانىلار سوئالنامىسى"


@pytest.fixture
def bilingual(app, demo):
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        campaign.languages = ["zh-Hans", "ug"]
        campaign.speed_floor = 0
        db.session.commit()
    return demo


def _page(client, url, **headers):
    return client.get(url, headers=headers).get_data(as_text=True)


def test_the_page_speaks_the_link_then_the_phone_then_chinese(app, client, bilingual):
    url = f"/s/{link_token(app, bilingual, 'parent')}"
    ug = _page(client, f"{url}?lang=ug")
    assert '<html lang="ug" dir="rtl">' in ug and UG_TITLE in ug and "جاۋابنى يوللاش" in ug
    assert ">رازى<" in ug and 'name="switch_lang" value="zh-Hans"' in ug  # the switch back
    assert '<input type="hidden" name="lang" value="ug">' in ug
    phone = _page(app.test_client(), url, **{"Accept-Language": "ug-CN,ug;q=0.9,zh;q=0.5"})
    assert 'dir="rtl"' in phone and UG_TITLE in phone
    chinese = _page(app.test_client(), url, **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN" dir="ltr">' in chinese and "家长问卷" in chinese
    assert 'name="switch_lang" value="ug"' in chinese
    # a form without a Uyghur translation stays in Chinese, with no switch
    teacher = _page(client, f"/s/{link_token(app, bilingual, 'teacher')}?lang=ug")
    assert 'dir="ltr"' in teacher and "switch_lang" not in teacher


def test_a_campaign_that_offers_chinese_only_ignores_the_asked_language(app, client, demo):
    page = _page(client, f"/s/{link_token(app, demo, 'parent')}?lang=ug")
    assert '<html lang="zh-CN" dir="ltr">' in page and "switch_lang" not in page


def test_an_answer_keeps_its_language_and_errors_speak_it(app, client, bilingual, runner):
    token = link_token(app, bilingual, "parent")
    q = questionnaire_for(app, bilingual, "parent")
    html = _page(client, f"/s/{token}?lang=ug")
    # not one option everywhere: straight lines answered faster than the group's median are
    # screened out, and a loaded machine made the second phone's answer the faster one
    answers = complete_answers(q, "parent") | {"P02": "2"}
    short = {k: v for k, v in answers.items() if k != "P03"}
    sent = client.post(f"/s/{token}", data={**hidden_fields(html), **short, "lang": "ug"})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 422 and "بىرنى تاللاڭ" in page and 'dir="rtl"' in page
    sent = client.post(f"/s/{token}", data={**hidden_fields(html), **answers, "lang": "ug"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/thanks?lang=ug")
    thanks = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "مۇۋەپپەقىيەتلىك يوللاندى" in thanks and 'dir="rtl"' in thanks
    other = app.test_client()  # another phone, on another network
    other.environ_base["REMOTE_ADDR"] = "10.3.3.3"
    html = _page(other, f"/s/{token}", **{"Accept-Language": "zh-CN"})
    assert other.post(f"/s/{token}", data={**hidden_fields(html), **answers}).status_code == 303
    with app.app_context():
        stored = sorted(db.session.scalars(sa.select(Response.language)).all())
    assert stored == ["ug", "zh-Hans"]
    result = json.loads(runner.invoke(args=["analyze", str(bilingual), "--json"]).output)
    by_language = {(r["language"], r["group"]): r["n"] for r in result["languages"]}
    assert by_language == {("简体中文", "parent"): 1, ("维吾尔文", "parent"): 1}


def test_a_language_button_shows_the_answers_again_in_that_language_and_stores_nothing(
    app, client, bilingual
):
    """Without the page script (or where the phone keeps nothing), the language buttons post
    the form: the page comes back in the language chosen with every answer still chosen, no
    item marked, nothing stored; the answers then go in, once, in that language."""
    token = link_token(app, bilingual, "parent")
    q = questionnaire_for(app, bilingual, "parent")
    html = _page(client, f"/s/{token}")
    answers = complete_answers(q, "parent") | {"P02": "2"}
    some = {k: answers[k] for k in list(answers)[:4]}
    form = {**hidden_fields(html), **some, "lang": "zh-Hans", "switch_lang": "ug"}
    switched = client.post(f"/s/{token}", data=form)
    page = switched.get_data(as_text=True)
    assert switched.status_code == 200 and '<html lang="ug" dir="rtl">' in page
    assert UG_TITLE in page and 'class="err"' not in page and 'class="alert"' not in page
    for code, value in some.items():
        assert re.search(rf'id="{code}-{value}" name="{code}" value="{value}"[^>]* checked', page)
    assert '<input type="hidden" name="lang" value="ug">' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
    sent = client.post(f"/s/{token}", data={**hidden_fields(page), **answers, "lang": "ug"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/thanks?lang=ug")
    again = client.post(f"/s/{token}", data={**hidden_fields(page), **answers, "lang": "ug"})
    assert again.status_code == 303  # the same sheet sent twice is one answer
    with app.app_context():
        assert db.session.scalars(sa.select(Response.language)).all() == ["ug"]


def test_the_campaign_form_chooses_the_languages(app, admin, demo, campaign_form):
    from tests.helpers import csrf_of

    url = f"/console/campaigns/{demo}/edit"
    data = {**campaign_form, "csrf_token": csrf_of(admin, url), "languages": ["zh-Hans", "ug"]}
    assert admin.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Campaign, demo).languages == ["zh-Hans", "ug"]
    page = admin.get(url).get_data(as_text=True)
    assert re.search(r'value="ug"[^>]*checked|checked[^>]*value="ug"', page)


def test_a_uyghur_page_tells_a_skip_in_uyghur(app, client, bilingual, new_version):
    """An item asked only after a given answer says so in the page's language."""
    new_version("parent", lambda body: body["items"][5].update(relevant="${P03} = '1'"))
    url = f"/s/{link_token(app, bilingual, 'parent')}"
    ug = _page(client, f"{url}?lang=ug")
    assert UG_TITLE in ug and "3-سوئالدا «رازى» تاللانغان بولسا تولدۇرۇڭ" in ug
    assert "时填写" not in ug
    assert "（第3题选“满意”时填写）" in _page(app.test_client(), f"{url}?lang=zh-Hans")
