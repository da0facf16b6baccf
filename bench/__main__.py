"""``python -m bench``: build the demo at a size on each database and time every figure.

python -m bench --size medium [--db sqlite,postgresql] [--json FILE] [--only build,reports,...]
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from typing import Callable

from bench import figures as F
from bench.databases import bench_database
from bench.harness import Figure, render_table

FIGURES = ("build", "totals", "intervals", "reports", "api", "page", "ingest_git")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--size", choices=("small", "medium", "large"), default="medium")
    p.add_argument("--db", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", dest="json_path", help="also write the table as JSON to this file")
    p.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated subset of {', '.join(FIGURES)}")
    p.add_argument("--reuse", action="store_true", help="reuse a ledger built by an earlier run (skips 'build')")
    args = p.parse_args(argv)
    only = set(args.only.split(","))
    unknown = only - set(FIGURES)
    if unknown:
        p.error(f"unknown figures: {', '.join(sorted(unknown))}")

    results: list[Figure] = []
    failures: list[str] = []

    def attempt(name: str, fn: Callable[[], Figure | list[Figure]]) -> None:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        try:
            got = fn()
        except Exception as exc:  # noqa: BLE001 - a failed figure is reported, the others still run
            traceback.print_exc(file=sys.stderr)
            failures.append(f"{name}: {exc}")
            return
        for fig in got if isinstance(got, list) else [got]:
            results.append(fig)
            print(render_table([fig]).splitlines()[-1], file=sys.stderr, flush=True)

    for kind in args.db.split(","):
        db = bench_database(kind, args.size)
        if "build" in only and not (args.reuse and db.exists()):
            attempt(f"{kind} build", lambda: F.build(db, args.seed))
        if not db.exists():
            failures.append(f"{kind}: no ledger built")
            continue
        facts = F.ledger_facts(db)
        if "totals" in only:
            attempt(f"{kind} totals", lambda: F.totals(db, facts))
        if "intervals" in only:
            attempt(f"{kind} intervals", lambda: F.intervals(db, facts))
        if "reports" in only:
            attempt(f"{kind} reports", lambda: F.reports(db, facts))
        if "api" in only:
            attempt(f"{kind} api", lambda: F.api(db, facts))
        if "page" in only:
            attempt(f"{kind} page", lambda: F.page(db, facts))
    if "ingest_git" in only:
        attempt("ingest git", lambda: F.ingest_git(args.size))

    print(render_table(results))
    for f in failures:
        print(f"not measured: {f}")
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump([f.as_json() for f in results], fh, indent=2)
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
