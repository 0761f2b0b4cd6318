"""Dashboard render time with many stored responses.

    python -m bench.dashboard                    # 1,000,000 responses, SQLite and PostgreSQL
    python -m bench.dashboard -n 100000 --backend sqlite

Target: < 200 ms per render (the page reads kept tallies, never the answers).
"""

from __future__ import annotations

import argparse
import re

from bench.common import bench_app, percentile, timed


def run(backend: str, n: int, repeat: int) -> None:
    from bench.synth import synthesize
    from survey.core.database import db
    from survey.models import Campaign

    with bench_app(backend) as (app, cid):
        with app.app_context():
            seconds = synthesize(db.session.get(Campaign, cid), n)
        client = app.test_client()
        page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post(
            "/auth/login",
            data={"csrf_token": token, "username": "bench-admin", "password": "bench-password"},
        )
        url = f"/console/campaigns/{cid}"
        first = client.get(url)
        assert first.status_code == 200, first.status_code
        shown = re.search(r'<b id="total-count">(\d+)</b>', first.get_data(as_text=True))
        full = timed(lambda: client.get(url).get_data(), repeat)
        fragment = timed(lambda: client.get(url + "?fragment=1").get_data(), repeat)
        print(
            f"[{backend}] responses stored: {n:,} (synthesised in {seconds:.1f} s); "
            f"dashboard shows {int(shown.group(1)):,}"
        )
        print(
            f"[{backend}] dashboard page   : median {percentile(full, 50):.1f} ms, "
            f"p95 {percentile(full, 95):.1f} ms over {repeat} renders (target < 200 ms)"
        )
        print(
            f"[{backend}] 30-s refresh part: median {percentile(fragment, 50):.1f} ms, "
            f"p95 {percentile(fragment, 95):.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="responses to store")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.n, args.repeat)


if __name__ == "__main__":
    main()
