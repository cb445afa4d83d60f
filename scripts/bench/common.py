"""What every part of the bench shares: progress lines, percentiles and the
formatting of figures."""

from __future__ import annotations

import statistics
import time

perf = time.perf_counter

BOT_TEXT = "When will my order arrive?"  # matches the seeded delivery-date FAQ: the bot answers
AGENT_TEXT = "Hello, is anyone there? My parcel has not arrived yet."

T0 = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f}s] {text}", flush=True)


def pct(values: list[float], p: float) -> float:
    """Percentile by nearest rank on sorted data (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ms_pair(p50: float, p99: float) -> str:
    """'p50 ms / p99 ms'."""
    return f"{ms(p50)} / {ms(p99)}"


def fmt_ratio(a: float, b: float) -> str:
    if not b or a != a or b != b:
        return "n/a"
    return f"{a / b:.2f}x" if a / b < 100 else f"{a / b:.0f}x"


def ratio_pair(a50: float, a99: float, b50: float, b99: float) -> str:
    """The p50 and p99 ratios of two latency pairs: 'x / y'."""
    return f"{fmt_ratio(a50, b50)} / {fmt_ratio(a99, b99)}"


def add_count(counts: dict, key, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n
