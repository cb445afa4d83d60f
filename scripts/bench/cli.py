"""The command line of scripts/bench.py: which parts run, then the report."""

from __future__ import annotations

import argparse
import datetime
import resource
import shutil
import signal
import tempfile
import time
from pathlib import Path

from stackproc import REPO

from . import __doc__ as DOC
from . import fanout, files, latency, memory, messages, reports, scale, search, threads
from .common import T0, say
from .machine import machine
from .report import print_report, write_markdown
from .stack import BIN_DIR, Bench

LOG_ROOT = REPO / ".build" / "bench-logs"
PARTS = {"messages": messages.run, "latency": latency.run, "memory": memory.run, "fanout": fanout.run,
         "scale": scale.run, "search": search.run, "reports": reports.run, "files": files.run,
         "threads": threads.run}
# Parts a run without --only leaves out (a sweep to settle a setting, not a figure to guard):
# `--only threads`, or `--only all` for every part.
OPT_IN = ("threads",)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench.py", description=DOC,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter run: fewer repeats, streams and messages")
    parser.add_argument("--only", default="", help="comma list of: " + ", ".join(PARTS) + "; or all (every "
                        "part; without --only every part but " + ", ".join(OPT_IN) + ")")
    parser.add_argument("--write", action="store_true", help="rewrite BENCHMARKS.md even for --quick/--only runs")
    parser.add_argument("--no-write", action="store_true", help="do not rewrite BENCHMARKS.md")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md",
                        help="the file a run that writes rewrites (default: BENCHMARKS.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data and run dirs")
    args = parser.parse_args(argv)
    args.parts = [p.strip() for p in args.only.split(",") if p.strip()] or [p for p in PARTS if p not in OPT_IN]
    if args.parts == ["all"]:
        args.parts = list(PARTS)
    unknown = [p for p in args.parts if p not in PARTS]
    if unknown:
        parser.error(f"unknown part(s) {unknown}; choose from {', '.join(PARTS)}")
    args.write = (args.write or (not args.quick and not args.only)) and not args.no_write
    return args


def raise_open_files(args: argparse.Namespace) -> None:
    """10,000 streams need 10,000 sockets in this process."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < 12000 and "memory" in args.parts and not args.quick:
        say(f"warning: RLIMIT_NOFILE hard limit {hard} < 12000; the 10,000-stream step will fail")


def on_term(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_parts(bench: Bench, parts: list[str]) -> int:
    """Runs the parts in turn (each stops its own stack); the exit status."""
    try:
        for part in parts:
            PARTS[part](bench)
    except KeyboardInterrupt:
        say("interrupted (the stacks are stopped)")
        return 130
    except Exception as exc:
        say(f"FAILED: {type(exc).__name__}: {exc}")
        return 1
    finally:
        if bench.keep:
            say(f"kept {bench.tmp_root} and the run dirs {[str(s.run_dir) for s in bench.stacks]}")
        else:
            shutil.rmtree(bench.tmp_root, ignore_errors=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raise_open_files(args)
    signal.signal(signal.SIGTERM, on_term)
    say(f"switchboard bench: parts {', '.join(args.parts)}{' (quick)' if args.quick else ''}; binaries {BIN_DIR}")
    info = machine(BIN_DIR)
    say(f"commit {info['commit']}; binaries {info['binaries']}")
    bench = Bench(quick=args.quick, keep=args.keep, tmp_root=Path(tempfile.mkdtemp(prefix="sb-bench-", dir="/tmp")),
                  log_dir=LOG_ROOT / datetime.datetime.now().strftime("%Y%m%d-%H%M%S"))
    if "OLDER" in info["binaries"]:
        say("warning: the release binaries are older than Sources/ (make bench rebuilds them first)")
        bench.report.notes.append(f"the measured binaries are older than the sources: {info['binaries']}")
    status = run_parts(bench, args.parts)
    print_report(bench.report, bench.log_dir if bench.stacks else None)
    if status == 0 and args.write:
        write_markdown(bench.report, info, args.output)
        say(f"wrote {args.output}")
    elif status == 0:
        say(f"{args.output.name} left as it was (a --quick or --only run; --write to record it)")
    say(f"done in {time.monotonic() - T0:.0f} s")
    return status
