"""Generated input against the survey page and its submit: never a 5xx, never a half answer.

Whatever a phone (or a script) sends - missing, unknown or malformed fields, invalid options,
huge or control-character text, forged, foreign or truncated tickets, odd cookies and paths -
the answer is a page with a 2xx/3xx/4xx status, and a response is stored only with a 303,
only once per submission id.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from survey.core.database import db
from survey.models import Response
from tests.fuzzing import budget, count
from tests.helpers import hidden_fields, link_token, make_demo_app, questionnaire_for, release

ALLOWED_SUBMIT = {303, 400, 409, 410, 413, 422, 429}
ALLOWED_PAGE = {200, 308, 400, 404, 405, 410, 429}  # 308: "//" merged to "/"

junk_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=900, max_size=1200),
    st.sampled_from(["", " ", "\x00", "<script>alert(1)</script>", "=1+1", "😀" * 300, "%00"]),
)

pytestmark = pytest.mark.fuzz  # FUZZ_SCALE sets the cases (tests/fuzzing.py)


@pytest.fixture
def fuzz_app(db_uri):
    """An app with the demo campaign whose rate limits leave room for thousands of cases."""
    app = make_demo_app(
        db_uri,
        RATE_PAGE_PER_ADDRESS="1000000/minute",
        RATE_SUBMIT_PER_ADDRESS="1000000/minute",
        RATE_SUBMIT_PER_LINK="1000000/minute",
    )
    yield app
    release(app)


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


@st.composite
def submissions(draw, q, valid_ticket, other_ticket):
    form = {}
    for item in q.items:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            continue  # left out
        if item.type == "single" and choice < 8:
            form[item.code] = draw(st.sampled_from([o.code for o in item.options]))
        else:
            form[item.code] = draw(junk_text)
    extra = draw(st.dictionaries(st.text(min_size=1, max_size=12), junk_text, max_size=3))
    form.update({k: v for k, v in extra.items() if k not in form})
    ticket = draw(
        st.sampled_from(["valid", "valid", "valid", "none", "other", "cut", "junk", "empty"])
    )
    form["ticket"] = {
        "valid": valid_ticket,
        "other": other_ticket,
        "cut": valid_ticket[: len(valid_ticket) // 2],
        "junk": draw(st.text(max_size=400)),
        "empty": "",
    }.get(ticket, None)
    if form["ticket"] is None:
        del form["ticket"]
    cookie = draw(st.sampled_from(["keep", "keep", "drop", "junk"]))
    return form, cookie


def test_submit_never_fails_and_stores_only_acknowledged_answers(fuzz_app):
    app, demo = fuzz_app, fuzz_app.config["DEMO_ID"]
    tokens = {g: link_token(app, demo, g) for g in ("parent", "student", "public")}
    forms = {g: questionnaire_for(app, demo, g) for g in tokens}
    others = {  # a genuine ticket of another link
        g: hidden_fields(
            app.test_client()
            .get(f"/s/{tokens['public' if g != 'public' else 'parent']}")
            .get_data(as_text=True)
        )["ticket"]
        for g in tokens
    }

    @budget(2400)
    @given(group=st.sampled_from(sorted(tokens)), data=st.data())
    def case(group, data):
        token, q = tokens[group], forms[group]
        phone = app.test_client()
        page = phone.get(f"/s/{token}")
        assert page.status_code == 200
        valid = hidden_fields(page.get_data(as_text=True))["ticket"]
        other = others[group]
        form, cookie = data.draw(submissions(q, valid, other))
        if cookie == "drop":
            phone.delete_cookie("svk", path="/s/")
        elif cookie == "junk":
            phone.set_cookie("svk", data.draw(st.text(max_size=30)), path="/s/")
        before = _stored(app)
        resp = phone.post(f"/s/{token}", data=form)
        count("submit", resp.status_code)
        assert resp.status_code in ALLOWED_SUBMIT, (resp.status_code, form)
        after = _stored(app)
        if resp.status_code == 303:  # a fresh ticket each case: exactly one new row, its own
            assert form.get("ticket") == valid and after - before == 1
            sid = valid.split(".", 1)[0]  # <submission id>.<served at>…<signature>
            with app.app_context():
                rows = db.session.scalar(
                    sa.select(sa.func.count()).where(Response.submission_id == sid)
                )
            assert rows == 1
        else:
            assert after == before
            assert "<html" in resp.get_data(as_text=True)

    case()


def test_pages_never_fail_whatever_the_path_query_or_headers(fuzz_app):
    app, demo = fuzz_app, fuzz_app.config["DEMO_ID"]
    token = link_token(app, demo, "parent")

    @budget(1200)
    @given(
        path=st.one_of(
            st.just(f"/s/{token}"),
            st.text(max_size=60).map(lambda t: f"/s/{quote(t)}"),
            st.text(max_size=60).map(lambda t: f"/s/{token}/{quote(t)}"),
        ),
        query=st.dictionaries(st.sampled_from(["code", "v", "x", "next"]), st.text(max_size=40)),
        encoding=st.sampled_from(["gzip", "", "br", "gzip;q=0", "*", "identity"]),
        method=st.sampled_from(["GET", "GET", "HEAD", "PUT", "DELETE"]),
    )
    def case(path, query, encoding, method):
        resp = app.test_client().open(
            path, method=method, query_string=query, headers={"Accept-Encoding": encoding}
        )
        count("page", resp.status_code)
        assert resp.status_code in ALLOWED_PAGE, (path, resp.status_code)

    case()
