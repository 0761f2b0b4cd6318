"""Analysis and export of a million responses, from the database: time and peak memory.

    python -m bench.analysis                        # 1,000,000 responses, SQLite and PostgreSQL
    python -m bench.analysis -n 200000 --backend sqlite --skip-xlsx

Targets: analysis ≤ 5 s and ≤ 2 GB peak memory. Each measured step runs in its own process,
so its peak memory is its own; the figures printed are wall time and peak resident memory.
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
    from survey.reports.exports import write_csv, write_xlsx
    from survey.services.campaigns import find_campaign

    app = _app(uri)
    with app.app_context():
        campaign = find_campaign("demo-2026")
        base = peak_rss_mb()
        t0 = time.perf_counter()
        rows = None
        if what == "analyze":
            result = run_analysis(campaign)
            rows = result["responses"]
            extra = {
                g: round(d["rate"], 4) if d["rate"] else None for g, d in result["groups"].items()
            }
        elif what == "csv":
            with open(output, "w", encoding="utf-8", newline="") as out:
                rows = write_csv(campaign, out, settings_for(campaign))
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


def measure(uri: str, what: str, output: str | None = None) -> dict:
    cmd = [sys.executable, "-m", "bench.analysis", "--step", what, "--uri", uri]
    if output:
        cmd += ["--output", output]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    backend: str, n: int, skip_xlsx: bool, pg_url: str, repeat: int = 1, skip_exports: bool = False
) -> None:
    from bench.common import bench_app
    from bench.synth import synthesize
    from survey.core.database import db
    from survey.models import Campaign

    with tempfile.TemporaryDirectory() as tmp, bench_app(backend, pg_url) as (app, cid):
        uri = app.config["SQLALCHEMY_DATABASE_URI"]
        with app.app_context():
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
        if skip_exports:
            return
        c = measure(uri, "csv", os.path.join(tmp, "out.csv"))
        print(
            f"[{backend}] export csv: {c['seconds']:.1f} s, peak memory {c['peak_mb']:.0f} MB, "
            f"{c['bytes'] / 1e6:.0f} MB file, {c['rows']:,} rows"
        )
        if not skip_xlsx:
            x = measure(uri, "xlsx", os.path.join(tmp, "out.xlsx"))
            print(
                f"[{backend}] export xlsx: {x['seconds']:.1f} s, peak memory "
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
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--uri", help=argparse.SUPPRESS)
    parser.add_argument("--output", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        step(args.uri, args.step, args.output)
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        run(backend, args.n, args.skip_xlsx, args.pg_url, args.repeat, args.skip_exports)


if __name__ == "__main__":
    main()
