"""Analysis and export of a million responses, from the database: time and peak memory.

    python -m bench.analysis                        # 1,000,000 responses, SQLite and PostgreSQL
    python -m bench.analysis -n 200000 --backend sqlite --skip-xlsx
    python -m bench.analysis --counties 3 --skip-exports   # a city's campaign over 3 counties

Targets: analysis ≤ 5 s and ≤ 2 GB peak memory; with --counties, the web report (the county
roll-up first) rendered in < 1 s; CSV of a million ≤ 5 s, the raw xlsx ≤ 60 s. Each measured
step runs in its own process, so its peak memory is its own; the figures printed are wall time
and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from bench.common import DEFAULT_PG, peak_rss_mb


def _app(uri: str):
    from survey import create_app

    return create_app(
        {"SECRET_KEY": "bench", "NETWORK_SALT": "bench", "SQLALCHEMY_DATABASE_URI": uri}
    )


def step(uri: str, what: str, output: str | None) -> None:
    """One measured step, in this (child) process; prints a JSON line."""
    from survey.reports.data import run_analysis, settings_for, visible_comments
    from survey.reports.exports import write_csv, write_raw_xlsx, write_xlsx
    from survey.services.campaigns import find_campaign

    app = _app(uri)
    with app.app_context():
        campaign = find_campaign("demo-2026")
        base = peak_rss_mb()
        t0 = time.perf_counter()
        rows = None
        if what == "report":
            from tests.helpers import login

            client = app.test_client()
            user = "bench-city" if campaign.county.kind != "county" else "bench-admin"
            login(client, user, "bench-password")
            first = time.perf_counter()
            client.get(f"/console/campaigns/{campaign.id}/report")  # computes and keeps it
            first = time.perf_counter() - first
            t0 = time.perf_counter()  # the figure: the report opened again (kept analysis)
            page = client.get(f"/console/campaigns/{campaign.id}/report")
            html = page.get_data(as_text=True)
            rows = page.status_code
            marker = f'href="/console/campaigns/{campaign.id}/report?county='
            extra = {"counties": html.count(marker), "first_seconds": first}
        elif what == "analyze":
            result = run_analysis(campaign)
            rows = result["responses"]
            extra = {
                g: round(d["rate"], 4) if d["rate"] else None for g, d in result["groups"].items()
            }
        elif what == "csv":
            with open(output, "wb") as out:
                rows = write_csv(campaign, out, settings_for(campaign))
            extra = {"bytes": os.path.getsize(output)}
        elif what == "raw-xlsx":
            rows = write_raw_xlsx(campaign, output, settings_for(campaign))
            extra = {"bytes": os.path.getsize(output)}
        else:
            result = run_analysis(campaign)
            rows = write_xlsx(
                campaign, output, result, visible_comments(campaign, result), settings_for(campaign)
            )
            extra = {"bytes": os.path.getsize(output)}
        seconds = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "step": what,
                "seconds": seconds,
                "peak_mb": peak_rss_mb(),
                "start_mb": base,
                "rows": rows,
                **extra,
            }
        )
    )


def rollup(campaign, counties: int) -> None:
    """Make the demo campaign a city's campaign over `counties` counties of 8 schools each
    (the demo's schools and copies of them), with an admin of the city."""
    from survey.core.database import db
    from survey.models import School, User
    from survey.services.campaigns import ensure_links
    from survey.services.orgs import create_org

    city = create_org("city", "基准市")
    made = [create_org("county", f"基准{i + 1}县", "基准市") for i in range(counties)]
    originals = list(campaign.schools)
    for school in originals:
        school.county_id = made[0].id
    for i, county in enumerate(made[1:], start=2):
        for s in originals:
            campaign.schools.append(
                School(
                    code=f"{s.code}{i}",
                    name=f"{county.name}{s.name}",
                    stage=s.stage,
                    location=s.location,
                    enrolment=s.enrolment,
                    teachers=s.teachers,
                    county_id=county.id,
                )
            )
    campaign.county = city
    db.session.flush()
    ensure_links(campaign)
    admin = User(username="bench-city", role="admin", county_id=city.id)
    admin.set_password("bench-password")
    db.session.add(admin)
    db.session.commit()


def raw_in_workbook() -> int:
    from survey.reports.exports import RAW_IN_WORKBOOK

    return RAW_IN_WORKBOOK


def measure(uri: str, what: str, output: str | None = None) -> dict:
    cmd = [sys.executable, "-m", "bench.analysis", "--step", what, "--uri", uri]
    if output:
        cmd += ["--output", output]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    backend: str,
    n: int,
    skip_xlsx: bool,
    pg_url: str,
    repeat: int = 1,
    skip_exports: bool = False,
    counties: int = 0,
) -> None:
    from bench.common import bench_app
    from bench.synth import synthesize
    from survey.core.database import db
    from survey.models import Campaign

    with tempfile.TemporaryDirectory() as tmp, bench_app(backend, pg_url) as (app, cid):
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
            if counties:
                rollup(db.session.get(Campaign, cid), counties)
            seconds = synthesize(db.session.get(Campaign, cid), n)
            db.session.remove()
            db.engine.dispose()
        print(
            f"[{backend}] stored {n:,} responses × 15–18 items (synthesised in {seconds:.0f} s)",
            flush=True,
        )
        for _ in range(repeat):
            a = measure(uri, "analyze")
            print(
                f"[{backend}] analyze: {a['seconds']:.2f} s, peak memory {a['peak_mb']:.0f} MB "
                f"(process start {a['start_mb']:.0f} MB; targets ≤ 5 s, ≤ 2048 MB); "
                f"rows {a['rows']:,}",
                flush=True,
            )
        if counties:
            for _ in range(repeat):
                r = measure(uri, "report")
                print(
                    f"[{backend}] web report of {r['counties']} counties: first view "
                    f"{r['first_seconds']:.2f} s (analysis computed and kept), again "
                    f"{r['seconds']:.2f} s (status {r['rows']}; target < 1 s), "
                    f"peak memory {r['peak_mb']:.0f} MB",
                    flush=True,
                )
        if skip_exports:
            return
        c = measure(uri, "csv", os.path.join(tmp, "out.csv"))
        print(
            f"[{backend}] export csv: {c['seconds']:.1f} s, peak memory {c['peak_mb']:.0f} MB, "
            f"{c['bytes'] / 1e6:.0f} MB file, {c['rows']:,} rows",
            flush=True,
        )
        if not skip_xlsx:
            r = measure(uri, "raw-xlsx", os.path.join(tmp, "raw.xlsx"))
            print(
                f"[{backend}] export raw xlsx (原始数据.xlsx): {r['seconds']:.1f} s, peak memory "
                f"{r['peak_mb']:.0f} MB, {r['bytes'] / 1e6:.0f} MB file, {r['rows']:,} rows",
                flush=True,
            )
            x = measure(uri, "xlsx", os.path.join(tmp, "out.xlsx"))
            print(
                f"[{backend}] export dossier xlsx (raw data inside up to "
                f"{raw_in_workbook():,} answers): {x['seconds']:.1f} s, peak memory "
                f"{x['peak_mb']:.0f} MB, {x['bytes'] / 1e6:.0f} MB file, {x['rows']:,} rows"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="analysis runs (fresh processes)")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument(
        "--counties", type=int, default=0, help="a city's campaign over this many counties"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(args.uri, args.step, args.output)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(
            backend,
            args.n,
            args.skip_xlsx,
            args.pg_url,
            args.repeat,
            args.skip_exports,
            args.counties,
        )


if __name__ == "__main__":
    main()
