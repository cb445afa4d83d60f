"""Reports (docs/API.md "Reports", issue 23) for the stack tests: a scripted history with
known waits, written as the JSON Lines that `switchboard import conversations` reads
(docs/OPERATIONS.md "Bring history from another system"), and the command itself run
against a stack's database.

The history is in the shop's time zone Europe/Berlin (UTC+1 in November; in March the
clocks go forward on Sunday the 29th). Its numbers are worked out by hand in
test_reports.py from API.md's definitions; the comments here give each conversation's
waits in seconds (first response `fr`, resolution `res`, and with hours Monday–Friday
09:00–18:00 `bh`)."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stacklib import Stack

BERLIN = "Europe/Berlin"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NO_HOURS = {day: [] for day in WEEKDAYS}
OFFICE_HOURS = {day: ([["09:00", "18:00"]] if day not in ("sat", "sun") else []) for day in WEEKDAYS}

CSV_HEADER = ["id", "created_at", "status", "contact", "agent", "labels", "requested_agent_at",
              "first_response_seconds", "resolution_seconds", "rating", "offline"]

GREETING = "Hi! I'm the shop's assistant. How can I help?"
SEARCHABLE = "quokkaparcel"  # a word only the imported history has


def bot(at: str, content: str = GREETING) -> dict:
    return {"sender": "bot", "content": content, "at": at}


def customer(at: str, content: str) -> dict:
    return {"sender": "customer", "content": content, "at": at}


def agent(at: str, username: str, content: str) -> dict:
    return {"sender": "agent", "agent": username, "content": content, "at": at}


def system(at: str, content: str) -> dict:
    return {"sender": "system", "content": content, "at": at}


@dataclass
class History:
    """The scripted conversations by name (C1 … C14) and their lines."""

    ids: dict[str, str]
    lines: dict[str, dict]

    def jsonl(self) -> str:
        return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines.values())


def history(sam: str, kim: str) -> History:
    """The history, `sam` and `kim` being agents' usernames. Labels "Refund" and "VIP" must exist."""
    ids = {f"C{n}": str(uuid.uuid4()) for n in range(1, 15)}
    L: dict[str, dict] = {}

    def conv(name: str, **fields: Any) -> None:
        L[name] = {"id": ids[name], **fields}

    # Sunday 1 Nov 23:30 local: the week before (weekly series only). kim: fr 240.
    conv("C12", created_at="2026-11-01T22:30:00Z", contact={"name": "Sunday Before"},
         messages=[bot("2026-11-01T22:30:00Z"), customer("2026-11-01T22:30:20Z", "Hello?"),
                   agent("2026-11-01T22:35:00Z", kim, "Hi there")],
         requested_agent_at="2026-11-01T22:31:00Z", agent=kim, closed_at="2026-11-01T22:40:00Z", offline=False)
    # Monday 2 Nov 00:30 local (Sunday in UTC): an offline message nobody answered. res 23340, bh 0.
    conv("C11", created_at="2026-11-01T23:30:00Z", contact={"name": "Night Owl"},
         messages=[bot("2026-11-01T23:30:00Z"), customer("2026-11-01T23:30:30Z", "Anyone there?")],
         requested_agent_at="2026-11-01T23:31:00Z", closed_at="2026-11-02T06:00:00Z", offline=True)
    # Monday 09:00 local. sam: fr 120.9, res 540 (bh the same); rated 5; two labels.
    conv("C1", created_at="2026-11-02T08:00:00Z", contact={"name": "Ada Lovelace", "email": "ada@example.com"},
         messages=[bot("2026-11-02T08:00:00Z"), customer("2026-11-02T08:00:05Z", f"Where is my order, the {SEARCHABLE}?"),
                   system("2026-11-02T08:01:00Z", "Someone will be with you shortly."),
                   agent("2026-11-02T08:03:00.900Z", sam, "On its way."), customer("2026-11-02T08:05:00Z", "Thanks!")],
         requested_agent_at="2026-11-02T08:01:00Z", agent=sam, closed_at="2026-11-02T08:10:00Z", offline=False,
         rating={"score": 5, "comment": "", "at": "2026-11-02T08:11:00Z"}, labels=["Refund", "VIP"])
    # Monday 09:30 local: the bot answered, nobody asked for a person.
    conv("C2", created_at="2026-11-02T08:30:00Z", contact={"email": "bo@example.com"},
         messages=[bot("2026-11-02T08:30:00Z"), customer("2026-11-02T08:30:10Z", "Opening hours?"),
                   bot("2026-11-02T08:30:11Z", "We are open 9 to 6.")],
         closed_at="2026-11-02T08:35:00Z", offline=False)
    # Tuesday 3 Nov 00:30 local (Monday in UTC). kim: fr 300.75, res 1800 (bh 0, 0); rated 4.
    conv("C3", created_at="2026-11-02T23:30:00Z", contact={"name": '=HYPERLINK("http://evil.example","x")'},
         messages=[bot("2026-11-02T23:30:00Z"), customer("2026-11-02T23:30:20Z", "Refund please"),
                   agent("2026-11-02T23:36:00.750Z", kim, "Done.")],
         requested_agent_at="2026-11-02T23:31:00Z", agent=kim, closed_at="2026-11-03T00:01:00Z", offline=False,
         rating={"score": 4, "comment": 'Fast, "really" fast', "at": "2026-11-03T00:02:00Z"}, labels=["Refund"])
    # Wednesday 10:00 local, offline; the bot speaks after the request (no reply). sam: fr 7200, res 9000.
    conv("C4", created_at="2026-11-04T09:00:00Z", contact={"email": "dora@example.com"},
         messages=[bot("2026-11-04T09:00:00Z"), customer("2026-11-04T09:00:20Z", "Hello?"),
                   bot("2026-11-04T09:00:45Z", "The team will answer by e-mail."),
                   agent("2026-11-04T11:00:30Z", sam, "Sorry for the wait.")],
         requested_agent_at="2026-11-04T09:00:30Z", agent=sam, closed_at="2026-11-04T11:30:30Z", offline=True)
    # Wednesday 14:00 local: kim held it and closed it without a word. res 1200; not rateable.
    conv("C5", created_at="2026-11-04T13:00:00Z", contact={"name": "-Bob"},
         messages=[bot("2026-11-04T13:00:00Z"), customer("2026-11-04T13:00:00Z", "A person please"),
                   system("2026-11-04T13:05:00Z", "You're now chatting with Kim.")],
         requested_agent_at="2026-11-04T13:00:00Z", agent=kim, closed_at="2026-11-04T13:20:00Z", offline=False)
    # Thursday 13:00 local: the bot again.
    conv("C8", created_at="2026-11-05T12:00:00Z", contact={"name": "Cy"},
         messages=[bot("2026-11-05T12:00:00Z"), customer("2026-11-05T12:00:10Z", "Track my parcel"),
                   bot("2026-11-05T12:00:11Z", "Here is the tracking page.")],
         closed_at="2026-11-05T12:02:00Z", offline=False)
    # Thursday 15:00 local, transferred: sam answered first (fr 90 after two system notices), kim held it
    # at the close (res 840); rated 4.
    conv("C6", created_at="2026-11-05T14:00:00Z", contact={"name": 'Smith, "Jo"'},
         messages=[bot("2026-11-05T14:00:00Z"), customer("2026-11-05T14:00:30Z", "Help"),
                   system("2026-11-05T14:01:30Z", "You're now chatting with Sam."),
                   agent("2026-11-05T14:02:30Z", sam, "Hi, Sam here."),
                   system("2026-11-05T14:04:00Z", "You're now chatting with Kim."),
                   agent("2026-11-05T14:05:00Z", kim, "Kim here, I'll take it.")],
         requested_agent_at="2026-11-05T14:01:00Z", agent=kim, closed_at="2026-11-05T14:15:00Z", offline=False,
         rating={"score": 4, "comment": "", "at": "2026-11-05T14:16:00Z"}, labels=["Refund"])
    # Friday 17:50 local, asked at 17:55, answered Monday 09:05, closed 09:20 (after the range).
    # sam: fr 227400 (bh 600), res 228300 (bh 1500); rated 2.
    conv("C7", created_at="2026-11-06T16:50:00Z", contact={"name": "Friday Late"},
         messages=[bot("2026-11-06T16:50:00Z"), customer("2026-11-06T16:54:50Z", "I need a person"),
                   agent("2026-11-09T08:05:00Z", sam, "Good morning!")],
         requested_agent_at="2026-11-06T16:55:00Z", agent=sam, closed_at="2026-11-09T08:20:00Z", offline=False,
         rating={"score": 2, "comment": "Too slow", "at": "2026-11-09T08:21:00Z"})
    # Sunday 8 Nov 23:59 local, answered at Monday 00:01:30 local. kim: fr 120, res 630 (bh 0, 0); rated 5.
    conv("C9", created_at="2026-11-08T22:59:00Z", contact={"name": "Søren Nacht"},
         messages=[bot("2026-11-08T22:59:00Z"), customer("2026-11-08T22:59:20Z", "Hej"),
                   agent("2026-11-08T23:01:30Z", kim, "Hello!")],
         requested_agent_at="2026-11-08T22:59:30Z", agent=kim, closed_at="2026-11-08T23:10:00Z", offline=False,
         rating={"score": 5, "comment": "", "at": "2026-11-08T23:11:00Z"})
    # Monday 9 Nov 00:30 local (Sunday in UTC): after the range. sam: fr 60; rated 5; Refund.
    conv("C10", created_at="2026-11-08T23:30:00Z", contact={"name": "Monday Early"},
         messages=[bot("2026-11-08T23:30:00Z"), customer("2026-11-08T23:30:20Z", "Hi"),
                   agent("2026-11-08T23:32:00Z", sam, "Hello")],
         requested_agent_at="2026-11-08T23:31:00Z", agent=sam, closed_at="2026-11-08T23:40:00Z", offline=False,
         rating={"score": 5, "comment": "", "at": "2026-11-08T23:41:00Z"}, labels=["Refund"])
    # March: the clocks go forward on Sunday the 29th. Friday 27 Mar 17:50 CET, asked 17:55, answered
    # Monday 30 Mar 09:05 CEST, closed 09:20 CEST. sam: bh fr 600, res 1500 (fr 223800, res 224700).
    conv("C13", created_at="2026-03-27T16:50:00Z", contact={"name": "Spring Forward"},
         messages=[bot("2026-03-27T16:50:00Z"), customer("2026-03-27T16:54:00Z", "Hello?"),
                   agent("2026-03-30T07:05:00Z", sam, "Good morning")],
         requested_agent_at="2026-03-27T16:55:00Z", agent=sam, closed_at="2026-03-30T07:20:00Z", offline=False)
    # Sunday 29 Mar 12:00 CEST (10:00 UTC): the bot.
    conv("C14", created_at="2026-03-29T10:00:00Z", contact={"name": "Summer Time"},
         messages=[bot("2026-03-29T10:00:00Z"), customer("2026-03-29T10:00:05Z", "Open today?")],
         closed_at="2026-03-29T10:05:00Z", offline=False)
    return History(ids, L)


def a_line(day: str, username: str, hour: int = 10, **changes: Any) -> dict:
    """One good conversation on `day` (YYYY-MM-DD) at `hour`:00 UTC, answered by `username` (first
    response 60 s, resolution 240 s, rated 4); `changes` replace members."""
    h = f"{day}T{hour:02d}"
    line = {"id": str(uuid.uuid4()), "created_at": f"{h}:00:00Z", "contact": {"name": "Line Tester"},
            "messages": [bot(f"{h}:00:00Z"), customer(f"{h}:00:10Z", "Hello"), agent(f"{h}:02:00Z", username, "Hi!")],
            "requested_agent_at": f"{h}:01:00Z", "agent": username, "closed_at": f"{h}:05:00Z",
            "offline": False, "rating": {"score": 4, "comment": "", "at": f"{h}:06:00Z"}}
    line.update(changes)
    return line


def import_conversations(stack: Stack, lines: list[dict | str] | str, tmp_path: Path,
                         stdin: bool = False) -> subprocess.CompletedProcess:
    """`switchboard import conversations FILE` (or `-` with the lines on stdin) with the stack's
    environment; dicts are written as JSON, strings as they are."""
    text = lines if isinstance(lines, str) else "".join(
        (json.dumps(line, ensure_ascii=False) if isinstance(line, dict) else line) + "\n" for line in lines)
    args = [str(stack.bin_dir / "switchboard"), "import", "conversations"]
    if stdin:
        return subprocess.run([*args, "-"], env=stack.env, input=text, capture_output=True, text=True, timeout=120)
    path = tmp_path / f"history-{uuid.uuid4().hex[:8]}.jsonl"
    path.write_text(text, encoding="utf-8")
    return subprocess.run([*args, str(path)], env=stack.env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


def summary(result: subprocess.CompletedProcess) -> tuple[int, int]:
    """(imported, skipped) from the command's last line ("imported 12, skipped 0" or "12
    imported, 0 skipped"): the last line of stdout (the progress goes to stderr), or of
    stderr when stdout is empty."""
    lines = [line for line in result.stdout.splitlines() if line.strip()] or [
        line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "the command said nothing"
    last = lines[-1].lower()

    def number(word: str) -> int:
        m = re.search(rf"(\d+)\s+(?:conversations?\s+)?{word}", last) or re.search(rf"{word}\w*\W+(\d+)", last)
        assert m, f"the last line does not say how many were {word}: {lines[-1]!r}"
        return int(m.group(1))

    return number("imported"), number("skipped")


def described(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\nstdout:\n{result.stdout[-2000:]}\nstderr:\n{result.stderr[-3000:]}"
