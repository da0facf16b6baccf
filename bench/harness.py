"""Timing primitives shared by the figures: wall time and peak RSS of a subprocess, a result row."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Mapping, Sequence


@dataclass
class Figure:
    """One row of the results table (the keys of ``--json``)."""

    figure: str
    database: str
    size: str
    ours_s: float
    baseline_s: float | None
    peak_rss_mb: float | None = None
    target_ratio: float | None = 1.5
    rss_target_mb: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.baseline_s:
            return None
        return self.ours_s / self.baseline_s

    @property
    def meets_target(self) -> bool | None:
        checks: list[bool] = []
        if self.target_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.target_ratio)
        if self.rss_target_mb is not None and self.peak_rss_mb is not None:
            checks.append(self.peak_rss_mb <= self.rss_target_mb)
        for key, limit, higher_is_better in self.extra.get("_targets", ()):
            value = self.extra.get(key)
            if value is not None:
                checks.append(value >= limit if higher_is_better else value <= limit)
        return all(checks) if checks else None

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        extra = row.pop("extra")
        row.pop("note")
        row.pop("rss_target_mb")
        row["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        row["meets_target"] = self.meets_target
        row["ours_s"] = round(self.ours_s, 4)
        row["baseline_s"] = None if self.baseline_s is None else round(self.baseline_s, 4)
        row["peak_rss_mb"] = None if self.peak_rss_mb is None else round(self.peak_rss_mb, 1)
        row.update({k: v for k, v in extra.items() if not k.startswith("_")})
        if self.note:
            row["note"] = self.note
        return row


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    stdout: bytes
    stderr: bytes


# Linux starts a child's peak RSS at its parent's RSS when it forks, and the bench process grows
# (the build baseline holds every row). A small, fresh Python starts the command and reports
# the command's own peak (wait4), so a figure's RSS is the command's alone.
_SPAWNER = (
    "import os, sys\n"
    "pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run_measured(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    stdin: bytes | None = None,
    stdout_path: str | None = None,
    cwd: str | None = None,
) -> Run:
    """Run a command to completion; its wall time and its own peak RSS (via wait4)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.PIPE
    rss_file = tempfile.NamedTemporaryFile(prefix="bench-rss-", delete=False)
    rss_file.close()
    try:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", _SPAWNER, rss_file.name, *argv],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            cwd=cwd,
        )
        if stdin is not None:
            assert proc.stdin is not None
            proc.stdin.write(stdin)
            proc.stdin.close()
        # Read stderr (and stdout when piped) before reaping so a full pipe cannot block.
        stdout_data = proc.stdout.read() if proc.stdout else b""
        stderr_data = proc.stderr.read() if proc.stderr else b""
        proc.wait()
        seconds = time.perf_counter() - start
        peak_kb = int(open(rss_file.name).read() or 0)
    finally:
        if stdout_path:
            out.close()  # type: ignore[union-attr]
        os.unlink(rss_file.name)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {stderr_data.decode()[-2000:]}")
    return Run(seconds, peak_kb / 1024, stdout_data, stderr_data)


def timed(fn: Any, *args: Any, repeat: int = 3, **kwargs: Any) -> tuple[float, Any]:
    """Best-of-``repeat`` wall time of an in-process call, and its last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def self_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_table(figures: Sequence[Figure]) -> str:
    """A plain-text (Markdown) table of the figures."""
    head = "| figure | db | size | ours (s) | baseline (s) | ratio | peak RSS (MB) | target | meets | notes |"
    lines = [head, "|" + "---|" * 10]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}"
        base = "" if f.baseline_s is None else f"{f.baseline_s:.3f}"
        rss = "" if f.peak_rss_mb is None else f"{f.peak_rss_mb:.0f}"
        target = "" if f.target_ratio is None else f"≤{f.target_ratio}×"
        meets = {True: "yes", False: "NO", None: ""}[f.meets_target]
        extras = ", ".join(f"{k}={v}" for k, v in f.extra.items() if not k.startswith("_"))
        note = "; ".join(x for x in (extras, f.note) if x)
        lines.append(
            f"| {f.figure} | {f.database} | {f.size} | {f.ours_s:.3f} | {base} | {ratio} | {rss} | {target} | {meets} | {note} |"
        )
    return "\n".join(lines)
