"""The report's comments come a page at a time (a county's thousands of comments are read in the
Excel export), with the small-cell rule and the search applied before the page is cut."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from survey.core.database import db
from survey.models import Campaign, Link, School
from survey.services.campaigns import registry
from survey.services.responses import build_row, store_batch
from tests.helpers import complete_answers, login

BIG, SMALL = "4101010001", "4101010008"  # 250 parents with comments; 3 (a small cell)


@pytest.fixture
def commented(app, demo, staff):
    with app.app_context():
        campaign = db.session.get(Campaign, demo)
        q = registry().get(campaign.forms["parent"])
        text_item = q.text_items[0].code
        rows = []
        for code, n in ((BIG, 250), (SMALL, 3)):
            link = db.session.scalar(
                sa.select(Link)
                .join(School, Link.school_id == School.id)
                .where(Link.campaign_id == demo, School.code == code, Link.group == "parent")
            )
            for k in range(n):
                answers = complete_answers(q, "parent")
                answers[text_item] = f"{code}第{k:03d}条{'操场' if k % 50 == 0 else ''}意见"
                rows.append(
                    build_row(
                        link=link,
                        questionnaire=q,
                        answers=answers,
                        submission_id=uuid.uuid4().hex,
                        network=f"net{code}{k}",
                    )
                )
        store_batch(rows)
        db.session.commit()
    return demo


def _comments(html: str) -> list[str]:
    return re.findall(r"<td>(\d+第\d+条(?:操场)?意见)</td>", html)


def test_comments_come_a_page_at_a_time_in_the_order_they_came(app, client, commented):
    login(client, "admin")
    url = f"/console/campaigns/{commented}/report"
    pages = [client.get(f"{url}?page={n}").get_data(as_text=True) for n in (1, 2, 3)]
    seen = [_comments(p) for p in pages]
    assert [len(s) for s in seen] == [100, 100, 50]
    every = [c for s in seen for c in s]
    assert every == [f"{BIG}第{k:03d}条{'操场' if k % 50 == 0 else ''}意见" for k in range(250)]
    assert "下一页" in pages[0] and "上一页" not in pages[0]
    assert "上一页" in pages[2] and "下一页" not in pages[2]
    assert not any(SMALL in c for c in every)  # a cell of 3: its comments never show
    found = _comments(client.get(f"{url}?q=操场").get_data(as_text=True))
    assert found == [f"{BIG}第{k:03d}条操场意见" for k in (0, 50, 100, 150, 200)]
    for bad in ("0", "abc", "-1", "１"):
        assert client.get(f"{url}?page={bad}").status_code == 404
    empty = client.get(f"{url}?page=9").get_data(as_text=True)
    assert "没有更多意见建议" in empty
