"""Benchmark: scanning a 100,000-commit repository vs ``git log`` alone (issue 7).

Builds the repository with ``git fast-import`` (seconds), then times, best of N interleaved runs:

1. ``git log`` alone, with exactly the arguments the importer uses, output sent to /dev/null,
   and the same with its output read from a pipe and dropped;
2. the importer's scan (``seatledger.ingest.git.iter_commits``: git log + streaming parse);
3. a full ``ingest_git`` into a fresh SQLite ledger (scan + writes), best of N, each run into a
   ledger of its own.

Run: ``.venv/bin/python bench/ingest_git.py [--commits 100000] [--runs 3]``. Not run by the tests.
"""

from __future__ import annotations

import argparse
import json
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seatledger.db import create_engine, migrate
from seatledger.db.ledger import Ledger
from seatledger.ingest.git import GitOptions, ingest_git
from seatledger.ingest.git_log import iter_commits, log_command, log_env, log_input, pushed_refs, ref_tips

AUTHORS = 50


def build_repo(path: Path, commits: int) -> None:
    """A repository of ``commits`` commits by AUTHORS people over the last 60 days."""
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    start = int(time.time()) - 60 * 86400
    step = max(1, (60 * 86400) // commits)
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    out = proc.stdin
    for i in range(commits):
        a = i % AUTHORS
        when = start + i * step
        msg = f"change {i}\n".encode()
        data = f"{i}\n".encode()
        out.write(
            b"commit refs/heads/main\n"
            + f"mark :{i + 1}\n".encode()
            + f"author Dev {a} <dev{a}@example.com> {when} +0000\n".encode()
            + f"committer Dev {a} <dev{a}@example.com> {when} +0000\n".encode()
            + f"data {len(msg)}\n".encode()
            + msg
            + (f"from :{i}\n".encode() if i else b"")
            + f"M 644 inline f{i % 100}.txt\ndata {len(data)}\n".encode()
            + data
            + b"\n"
        )
    out.close()
    if proc.wait() != 0:
        sys.exit("git fast-import failed")


def interleaved(fns: dict[str, object], runs: int) -> dict[str, float]:
    """Best time of each function over ``runs`` rounds, run alternately so that load from
    other processes on the machine falls on both alike."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()  # type: ignore[operator]
            times[name].append(time.perf_counter() - t0)
    return {name: min(ts) for name, ts in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--json", action="store_true", help="end with one JSON line of the figures (for python -m bench)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "big.git"
        t0 = time.perf_counter()
        build_repo(repo, args.commits)
        print(f"built {args.commits} commits with git fast-import in {time.perf_counter() - t0:.2f} s")
        since = dt.datetime.utcnow() - dt.timedelta(days=120)
        cmd = log_command(repo, since=since)
        tips = ref_tips(pushed_refs(repo, repo))
        revisions = log_input(tips)

        def git_alone() -> None:
            subprocess.run(cmd, cwd=repo, input=revisions, stdout=subprocess.DEVNULL, check=True, env=log_env())

        def git_piped() -> None:
            # The same git log with its output read (in large blocks) and dropped.
            subprocess.run(cmd, cwd=repo, input=revisions, stdout=subprocess.PIPE, check=True, env=log_env())

        def scan() -> None:
            n = sum(1 for _ in iter_commits(repo, repo, since=since, tips=tips))
            assert n == args.commits, n

        best = interleaved({"git": git_alone, "piped": git_piped, "scan": scan}, args.runs)
        git_s, piped_s, scan_s = best["git"], best["piped"], best["scan"]
        print(f"git log > /dev/null:      {git_s:.3f} s")
        print(f"git log | read:           {piped_s:.3f} s")
        print(
            f"seatledger scan (parse):  {scan_s:.3f} s  = {scan_s / git_s:.2f}x git log > /dev/null, "
            f"{scan_s / piped_s:.2f}x git log | read"
        )

        # The full ingest, best of the same number of runs, each into a fresh ledger.
        fulls = []
        for run in range(args.runs):
            db = Path(tmp) / f"ledger-{run}.db"
            engine = create_engine(f"sqlite:///{db}")
            migrate(engine)
            with engine.begin() as conn:
                ledger = Ledger(conn)
                ledger.add_org(ledger.add_enterprise("bench"), "bench")
            t0 = time.perf_counter()
            result = ingest_git(engine, [repo], GitOptions(org="bench"))
            fulls.append(time.perf_counter() - t0)
            engine.dispose()
            db.unlink()
        full_s = min(fulls)
        print(
            f"full ingest into SQLite: {full_s:.3f} s best of {args.runs} "
            f"(median {sorted(fulls)[len(fulls) // 2]:.3f} s; {result.report.summary()})"
        )
        if args.json:
            print(
                json.dumps(
                    {
                        "ours_s": full_s,
                        "scan_s": scan_s,
                        "baseline_s": piped_s,
                        "git_devnull_s": git_s,
                        "commits": args.commits,
                    }
                )
            )


if __name__ == "__main__":
    main()
