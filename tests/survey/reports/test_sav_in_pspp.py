"""The .sav export opened in PSPP (Debian's `pspp`): 不了解 counts as missing in FREQUENCIES."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess

import pyreadstat
import pytest

from survey.core.database import db
from survey.models import Campaign
from survey.services.demo import simulate_responses
from tests.helpers import login

PSPP = shutil.which("pspp")
pytestmark = pytest.mark.skipif(
    not PSPP and not os.environ.get("REQUIRE_PSPP"), reason="no pspp (apt-get install pspp)"
)


def test_frequencies_in_pspp_leave_dont_know_out(app, client, demo, staff, tmp_path):
    with app.app_context():
        simulate_responses(db.session.get(Campaign, demo), 300, seed=9)
    login(client, "analyst")
    resp = client.get(f"/console/campaigns/{demo}/export.sav")
    assert resp.status_code == 200
    (tmp_path / "out.sav").write_bytes(resp.data)
    resp.close()
    frame, _ = pyreadstat.read_sav(str(tmp_path / "out.sav"), user_missing=True)
    answered = frame["P01"].dropna()
    dont_know = int((answered == 9).sum())
    assert dont_know > 0  # the simulated parents include some 不了解
    (tmp_path / "freq.sps").write_text(
        "GET FILE='out.sav'.\nFREQUENCIES VARIABLES=P01.\n", encoding="utf-8"
    )
    done = subprocess.run(
        [PSPP or "pspp", "freq.sps", "-O", "format=csv", "-o", "freq.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = list(csv.reader((tmp_path / "freq.csv").read_text(encoding="utf-8").splitlines()))
    valid_n = next(int(r[2]) for r in rows if r[:2] == ["N", "Valid"])
    assert valid_n == len(answered) - dont_know
    # the frequency table: valid rows, then the missing ones (system-missing, then 不了解)
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Missing" and len(r) > 2)
    section = rows[start:]
    section = section[: next(i for i, r in enumerate(section) if r and r[0] == "Total")]
    assert [int(r[2]) for r in section if r[1] == "不了解"] == [dont_know]
    valid_rows = rows[rows.index(next(r for r in rows if r and r[0] == "Valid" and len(r) > 3)) :]
    assert "不了解" not in [r[1] for r in valid_rows[: valid_rows.index(section[0])]]
