"""What the bench reads from /proc and the disk: CPU time, memory, open files,
fsync latency and cache flushes, and the machine and build a run measured."""

from __future__ import annotations

import datetime
import os
import platform
import sqlite3
import subprocess
from pathlib import Path

from stackproc import REPO, proc_stat

from .common import perf


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def machine_busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share (0..1) of all cores that was busy between two cpu_times()."""
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def cpu_diff(a: dict, b: dict) -> dict[str, float]:
    """CPU seconds each process used between two Stack.cpu_snapshot()s, and the machine's busy share."""
    out = {k: b[k] - a[k] for k in ("notifier", "worker", "nginx", "self")}
    out["busy"] = machine_busy(a["machine"], b["machine"])
    return out


def proc_cpu(pid: int | None) -> float:
    """utime + stime of a process in seconds (0 when gone)."""
    fields = proc_stat(pid) if pid else None
    if fields is None:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = proc_stat(int(entry))
        if fields is not None and len(fields) > 1 and int(fields[1]) == parent:
            pids.append(int(entry))
    return pids


def rss_kib(pid: int | None) -> int | None:
    """VmRSS of a process in KiB (None when it is gone)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def open_files_limit(pid: int | None) -> str:
    """The soft 'Max open files' of a process."""
    try:
        with open(f"/proc/{pid}/limits") as f:
            for line in f:
                if line.startswith("Max open files"):
                    return line.split()[3]
    except (OSError, TypeError):
        pass
    return "?"


def fd_count(pid: int | None) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, TypeError):
        return 0


def fsync_probe(directory: Path, count: int, append: bool) -> list[float]:
    """Seconds per 4 KiB write + fdatasync in `directory` (what a synchronous=FULL SQLite
    commit pays at least once): overwriting a preallocated file, or appending to a growing one."""
    path = directory / "fsync-probe.bin"
    block = os.urandom(4096)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    times = []
    try:
        if not append:
            os.pwrite(fd, b"\0" * (1 << 20), 0)
            os.fsync(fd)
        for i in range(count):
            t = perf()
            os.pwrite(fd, block, (i if append else i % 256) * 4096)
            os.fdatasync(fd)
            times.append(perf() - t)
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return times


def disk_flushes(path: Path) -> int | None:
    """Cache flushes completed by the block device holding `path` (/proc/diskstats field 16),
    None when that is not a block device listed there (tmpfs, overlay)."""
    dev = os.stat(path).st_dev
    major, minor = os.major(dev), os.minor(dev)
    try:
        with open("/proc/diskstats") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 20 and int(parts[0]) == major and int(parts[1]) == minor:
                    return int(parts[18])
    except OSError:
        return None
    return None


# -- the machine and the build measured ----------------------------------------------


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None


def source_root(bin_dir: Path) -> Path:
    """The checkout the binaries were built in (<root>/.build/<configuration>), else this one."""
    root = bin_dir.parent.parent
    return root if (root / "Package.swift").is_file() else REPO


def git_commit(root: Path) -> str:
    head, status = _run(["git", "rev-parse", "--short", "HEAD"], root), _run(["git", "status", "--porcelain"], root)
    if head is None or status is None:
        return "unknown"
    return (head.stdout.strip() or "unknown") + ("+dirty" if status.stdout.strip() else "")


def describe_binaries(bin_dir: Path, root: Path) -> str:
    """Where the binaries are, when they were linked, and whether root's Sources/ changed since."""
    built = [(bin_dir / exe).stat().st_mtime for exe in ("switchboard-worker", "switchboard-notifier", "switchboard")
             if (bin_dir / exe).exists()]
    if not built:
        return f"{bin_dir} (missing)"
    when = datetime.datetime.fromtimestamp(min(built), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    # SwiftPM relinks only what changed (a notifier that does not use the chat rules keeps its
    # older link time), and the compiler leaves an object file untouched when its content is
    # the same; the module's dependency file (`<Module>.d`) is written by every compile of it.
    # So each source is compared with the last compile of its own target.
    newest: dict[str, float] = {}

    def compiled(target: str) -> float:
        if target not in newest:
            outputs = [*(bin_dir / f"{target.replace('-', '_')}.build").glob("*.o"),
                       *(bin_dir / f"{target.replace('-', '_')}.build").glob("*.d")]
            newest[target] = max((o.stat().st_mtime for o in outputs), default=min(built))
        return newest[target]

    stale = [str(p.relative_to(root)) for p in sorted((root / "Sources").rglob("*.swift"))
             if p.stat().st_mtime > compiled(p.relative_to(root / "Sources").parts[0])]
    where = bin_dir.relative_to(REPO) if bin_dir.is_relative_to(REPO) else bin_dir
    text = f"{where}, linked {when}"
    if stale:
        text += f"; OLDER than {len(stale)} source file(s) ({', '.join(stale[:4])}{', ...' if len(stale) > 4 else ''})"
    return text


def machine(bin_dir: Path) -> dict[str, str]:
    mem_kib = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    root = source_root(bin_dir)
    wrk, nginx = _run(["wrk", "--version"]), _run(["nginx", "-v"])
    wrk_lines = (wrk.stdout or wrk.stderr).splitlines() if wrk else []
    return {
        "binaries": describe_binaries(bin_dir, root),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "commit": git_commit(root),
        "python": platform.python_version(),
        "wrk": wrk_lines[0].split(" [")[0] if wrk_lines else "wrk not found",
        "nginx": nginx.stderr.strip().replace("nginx version: ", "") if nginx else "nginx not found",
        "nchan": package_version("libnginx-mod-nchan"),
        "libfcgi": package_version("libfcgi-dev"),
        "sqlite": sqlite3.sqlite_version,
    }


def package_version(name: str) -> str:
    """The installed Debian package's version ('not installed' otherwise)."""
    result = _run(["dpkg-query", "-W", "-f", "${Version}", name])
    return result.stdout.strip() if result and result.returncode == 0 and result.stdout.strip() else "not installed"
