"""Reports (docs/API.md "Reports", issue 23) through nginx, on a scripted history imported
with `switchboard import conversations` (docs/OPERATIONS.md "Bring history from another
system"; reportlib.py has the conversations and each one's waits).

Every number below is worked out by hand from API.md's definitions, not by running a
second implementation: first response from the request for a person to the first agent
message after it (never the bot, never a system notice), resolution from the request to
the close, nearest-rank percentiles (rank ⌈p·n⌉) in whole seconds rounded down, days and
hours in the shop's time zone (Europe/Berlin, UTC+1 in November), business hours
Monday–Friday 09:00–18:00. The overview's totals, percentiles, CSAT, series (days, weeks
from Monday, empty ones included), agents and busiest hours; the label and agent
filters; every error code; an agent's own row and the 403 on admin routes; a live chat
made through the REST API; the CSV export; the import's own rules (a bad line refuses the
whole file, a re-run skips what is there, no events). Every answer is checked against
docs/openapi.yaml.

One stack for the module (`reports`): the history is imported once, at its start."""

from __future__ import annotations

import csv
import io
import math
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from daylib import A, C, D, NO_SUCH_ID, O, Desk
from reportlib import (BERLIN, CSV_HEADER, NO_HOURS, OFFICE_HOURS, SEARCHABLE, History, a_line, agent, bot, customer, described,
                       history, import_conversations, summary)
from sselib import SSEEvent, agent_stream
from stacklib import AgentLogin, assert_error

OVERVIEW = f"{D}/reports/overview"
CSV = f"{D}/reports/conversations.csv"
ME = f"{A}/reports/me"
SETTINGS = f"{D}/settings"
NOVEMBER = {"from": "2026-11-02", "to": "2026-11-08"}  # Monday to Sunday


@dataclass
class World:
    sam: AgentLogin
    kim: AgentLogin
    refund: dict
    vip: dict
    history: History
    imported: Any  # the first run's CompletedProcess
    console: list[SSEEvent]  # what an admin's stream received while the history was imported
    tmp: Path

    def id(self, name: str) -> str:
        return self.history.ids[name]


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("reports")


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def availability(desk: Desk, **members: Any) -> dict:
    return desk.ok("PATCH", SETTINGS, who=desk.stack.admin, json={"availability": members})["availability"]


@pytest.fixture(scope="module")
def world(stack, desk, tmp_path_factory) -> World:
    sam = stack.register_agent("sam", display_name="Sam Archer")
    kim = stack.register_agent("kim", display_name='Kim "K", Jones')
    refund, vip = desk.label("Refund", "#b91c1c"), desk.label("VIP", "#1a56db")
    availability(desk, timezone=BERLIN, hours=NO_HOURS, closed_dates=[])
    tmp = tmp_path_factory.mktemp("reports")
    scripted = history(sam.username, kim.username)
    console = agent_stream(stack, stack.admin.token)
    try:
        assert console.ok, (console.status, console.body)
        result = import_conversations(stack, list(scripted.lines.values()), tmp)
        assert result.returncode == 0, described(result)
        # A label made after the import tells the console; anything the import sent came before it.
        marker = desk.label("After the import")
        console.wait_for(lambda e: e.event == "labels.changed" and marker["id"] in {x["id"] for x in e.json["labels"]},
                         what="labels.changed after the import")
        events = console.snapshot()
    finally:
        console.close()
    return World(sam, kim, refund, vip, scripted, result, events, tmp)


def overview(desk: Desk, **params: Any) -> dict:
    return desk.ok("GET", OVERVIEW, who=desk.stack.admin, params=params)


def hours(cells: dict[tuple[int, int], int]) -> list[list[int]]:
    """The 168 busiest-hours cells, Monday 00:00 first, with the given counts (else 0)."""
    return [[day, hour, cells.get((day, hour), 0)] for day in range(1, 8) for hour in range(24)]


def stats(median: int | None, p90: int | None, count: int) -> dict:
    return {"median_seconds": median, "p90_seconds": p90, "count": count}


def day(start: str, conversations: int = 0, escalated: int = 0, first_response: int | None = None,
        csat: float | None = None) -> dict:
    return {"start": start, "conversations": conversations, "escalated": escalated,
            "first_response_median_seconds": first_response, "csat_average": csat}


def row(who: AgentLogin, conversations: int, first_response: int | None, resolution: int | None,
        csat: float | None) -> dict:
    return {"agent": {"id": who.id, "display_name": who.agent["display_name"]}, "conversations": conversations,
            "first_response_median_seconds": first_response, "resolution_median_seconds": resolution,
            "csat_average": csat}


def rng(frm: str, to: str, interval: str = "day", business_hours: bool = False, tz: str = BERLIN) -> dict:
    return {"from": frm, "to": to, "timezone": tz, "interval": interval, "business_hours": business_hours}


# -- the import ----------------------------------------------------------------------


def test_the_import_says_what_it_did_and_sends_nothing(desk, world):
    assert summary(world.imported) == (14, 0), described(world.imported)
    imported = set(world.history.ids.values())
    told = [e for e in world.console if e.conversation_id() in imported or any(i in e.data for i in imported)]
    assert told == [], f"the import sent events: {told}"
    # The search index learned the imported messages.
    found = desk.search(desk.stack.agent, SEARCHABLE)
    assert [item["conversation"]["id"] for item in found] == [world.id("C1")]
    # An imported conversation is an ordinary closed one to the console.
    c1 = desk.ok("GET", f"{A}/conversations/{world.id('C1')}/messages", who=world.sam)
    conversation = c1["conversation"]
    assert (conversation["status"], conversation["assigned_agent_id"]) == ("closed", world.sam.id)
    assert conversation["requested_agent_at"] == "2026-11-02T08:01:00.000Z"
    assert conversation["closed_at"] == "2026-11-02T08:10:00.000Z"
    assert conversation["created_at"] == "2026-11-02T08:00:00.000Z"
    assert conversation["rating"] == {"score": 5, "comment": "", "created_at": "2026-11-02T08:11:00.000Z"}
    assert [label["name"] for label in conversation["labels"]] == ["Refund", "VIP"]
    assert [(m["sender_type"], m["created_at"]) for m in c1["messages"]] == [
        ("bot", "2026-11-02T08:00:00.000Z"), ("customer", "2026-11-02T08:00:05.000Z"),
        ("system", "2026-11-02T08:01:00.000Z"), ("agent", "2026-11-02T08:03:00.900Z"),
        ("customer", "2026-11-02T08:05:00.000Z")]


def test_a_rerun_skips_the_lines_whose_id_exists(stack, desk, world):
    before = overview(desk, **NOVEMBER)
    again = import_conversations(stack, list(world.history.lines.values()), world.tmp)
    assert again.returncode == 0, described(again)
    assert summary(again) == (0, 14), described(again)
    assert overview(desk, **NOVEMBER) == before


BAD_LINES = {
    "unknown holder": lambda sam: a_line("2026-09-07", sam, agent="nobody-at-all"),
    "unknown agent in a message": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "agent", "agent": "ghost-writer", "content": "Hi", "at": "2026-09-07T10:02:00Z"}]),
    "agent message without an agent": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "agent", "content": "Hi", "at": "2026-09-07T10:02:00Z"}]),
    "unknown sender": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "robot", "content": "Hi", "at": "2026-09-07T10:02:00Z"}]),
    "message before created_at": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "customer", "content": "Early", "at": "2026-09-07T09:59:59Z"},
                                     {"sender": "agent", "agent": sam, "content": "Hi", "at": "2026-09-07T10:02:00Z"}]),
    "message after closed_at": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "agent", "agent": sam, "content": "Late", "at": "2026-09-07T10:05:01Z"}]),
    "missing closed_at": lambda sam: {k: v for k, v in a_line("2026-09-07", sam).items() if k != "closed_at"},
    "requested before created": lambda sam: a_line("2026-09-07", sam, requested_agent_at="2026-09-07T09:00:00Z"),
    "unknown label": lambda sam: a_line("2026-09-07", sam, labels=["No such label"]),
    "rating without an agent message": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "customer", "content": "Hello", "at": "2026-09-07T10:00:10Z"}]),
    "score 6": lambda sam: a_line("2026-09-07", sam, rating={"score": 6, "comment": "", "at": "2026-09-07T10:06:00Z"}),
    "a message too long": lambda sam: a_line(
        "2026-09-07", sam, messages=[{"sender": "agent", "agent": sam, "content": "x" * 4001, "at": "2026-09-07T10:02:00Z"}]),
    "a bad time": lambda sam: a_line("2026-09-07", sam, created_at="yesterday"),
    "not JSON": lambda sam: '{"id": "broken", ',
}


@pytest.mark.parametrize("why", list(BAD_LINES))
def test_a_bad_line_refuses_the_whole_file(stack, desk, world, why):
    good = a_line("2026-09-07", world.sam.username)
    result = import_conversations(stack, [good, a_line("2026-09-07", world.kim.username), BAD_LINES[why](world.sam.username)],
                                  world.tmp)
    assert result.returncode != 0, described(result)
    assert set(re.findall(r"\bline (\d+): ", result.stderr)) == {"3"}, described(result)
    assert overview(desk, **{"from": "2026-09-07", "to": "2026-09-07"})["totals"]["conversations"] == 0, "nothing imported"
    assert_error(desk.call("GET", f"{A}/conversations/{good['id']}/messages", who=world.sam), 404)


def test_at_most_20_bad_lines_are_listed(stack, desk, world):
    lines = [a_line("2026-09-08", world.sam.username, agent="nobody-at-all") for _ in range(25)]
    result = import_conversations(stack, lines, world.tmp)
    assert result.returncode != 0, described(result)
    listed = set(re.findall(r"\bline (\d+): ", result.stderr))
    assert len(listed) == 20 and "1" in listed, described(result)
    assert overview(desk, **{"from": "2026-09-08", "to": "2026-09-08"})["totals"]["conversations"] == 0


def test_the_import_reads_stdin(stack, desk, world):
    line = a_line("2026-09-14", world.kim.username)
    result = import_conversations(stack, [line], world.tmp, stdin=True)
    assert result.returncode == 0, described(result)
    assert summary(result) == (1, 0)
    report = overview(desk, **{"from": "2026-09-14", "to": "2026-09-14"})
    assert report["totals"] == {"conversations": 1, "bot_resolved": 0, "escalated": 1, "offline_messages": 0, "closed": 1}
    assert report["first_response"] == stats(60, 60, 1) and report["resolution"] == stats(240, 240, 1)


# -- the overview ------------------------------------------------------------------------


def test_the_week_of_2_november(desk, world):
    sam, kim = world.sam, world.kim
    report = overview(desk, **NOVEMBER)
    assert report == {
        "range": rng("2026-11-02", "2026-11-08"),
        # C11 C1 C2 | C3 | C4 C5 | C8 C6 | C7 | - | C9 (C12 is the Sunday before, C10 the Monday after, local time)
        "totals": {"conversations": 10, "bot_resolved": 2, "escalated": 8, "offline_messages": 2, "closed": 10},
        # 90 (C6), 120 (C9), 120.9 (C1), 300.75 (C3), 7200 (C4), 227400 (C7): ranks 3 and 6; C5 and C11 unanswered.
        "first_response": stats(120, 227400, 6),
        # 540, 630, 840, 1200, 1800, 9000, 23340, 228300: ranks 4 and 8.
        "resolution": stats(1200, 228300, 8),
        # 5 (C1), 4 (C3), 4 (C6), 2 (C7), 5 (C9) of six rateable (C4 was not rated).
        "csat": {"average": 4.0, "count": 5, "distribution": [0, 1, 0, 2, 2], "response_rate": 0.83},
        "series": [day("2026-11-02", 3, 2, 120, 5.0), day("2026-11-03", 1, 1, 300, 4.0), day("2026-11-04", 2, 2, 7200, None),
                   day("2026-11-05", 2, 1, 90, 4.0), day("2026-11-06", 1, 1, 227400, 2.0), day("2026-11-07"),
                   day("2026-11-08", 1, 1, 120, 5.0)],
        # kim held C3 C5 C6 C9, answered C3 and C9 first; sam held C1 C4 C7, answered C1 C4 C6 C7 first.
        "agents": [row(kim, 4, 120, 840, 4.33), row(sam, 3, 120, 9000, 3.5)],
        "busiest_hours": hours({(1, 0): 1, (1, 9): 2, (2, 0): 1, (3, 10): 1, (3, 14): 1, (4, 13): 1, (4, 15): 1,
                                (5, 17): 1, (7, 23): 1}),
    }


def test_weeks_start_on_monday_and_empty_ones_count(desk, world):
    report = overview(desk, **{"from": "2026-10-26", "to": "2026-11-22", "interval": "week"})
    assert report["range"] == rng("2026-10-26", "2026-11-22", "week")
    assert report["series"] == [day("2026-10-26", 1, 1, 240, None), day("2026-11-02", 10, 8, 120, 4.0),
                                day("2026-11-09", 1, 1, 60, 5.0), day("2026-11-16")]
    assert report["totals"]["conversations"] == 12
    # A range from a Wednesday to a Tuesday: a week's start is its Monday, so the first starts
    # before `from` and the last ends after `to`; only the range's days count in them (C11, C1,
    # C2 and C3 of Monday and Tuesday 2-3 November are outside it).
    midweek = overview(desk, **{"from": "2026-11-04", "to": "2026-11-10", "interval": "week"})
    # first responses 90 (C6), 120 (C9), 7200 (C4), 227400 (C7): the 2nd; ratings 4, 2, 5.
    assert midweek["series"] == [day("2026-11-02", 6, 5, 120, 3.67), day("2026-11-09", 1, 1, 60, 5.0)]


def test_days_and_hours_are_the_shops(desk, world):
    """The same week in UTC: C11 falls out, C10 comes in, and every hour moves back one."""
    availability(desk, timezone="UTC")
    try:
        report = overview(desk, **NOVEMBER)
    finally:
        availability(desk, timezone=BERLIN)
    assert report["totals"] == {"conversations": 10, "bot_resolved": 2, "escalated": 8, "offline_messages": 1, "closed": 10}
    assert report["busiest_hours"] == hours({(1, 8): 2, (1, 23): 1, (3, 9): 1, (3, 13): 1, (4, 12): 1, (4, 14): 1,
                                             (5, 16): 1, (7, 22): 1, (7, 23): 1})
    assert [(s["start"], s["conversations"]) for s in report["series"]] == [
        ("2026-11-02", 3), ("2026-11-03", 0), ("2026-11-04", 2), ("2026-11-05", 2), ("2026-11-06", 1), ("2026-11-07", 0),
        ("2026-11-08", 2)]
    assert report["range"] == rng("2026-11-02", "2026-11-08", tz="UTC"), "the zone as the settings name it"


def test_business_hours(desk, world):
    sam, kim = world.sam, world.kim
    availability(desk, hours=OFFICE_HOURS)
    try:
        report = overview(desk, business_hours="true", **NOVEMBER)
        spring = overview(desk, business_hours="true", **{"from": "2026-03-27", "to": "2026-03-29"})
        plain = overview(desk, business_hours="false", **NOVEMBER)
    finally:
        availability(desk, hours=NO_HOURS)
    assert report["range"] == rng("2026-11-02", "2026-11-08", business_hours=True)
    # 0 (C3), 0 (C9), 90, 120.9, 600 (C7: Friday 17:55-18:00 and Monday 09:00-09:05), 7200.
    assert report["first_response"] == stats(90, 7200, 6)
    # 0 (C3), 0 (C9), 0 (C11), 540, 840, 1200, 1500 (C7), 9000.
    assert report["resolution"] == stats(540, 9000, 8)
    assert [s["first_response_median_seconds"] for s in report["series"]] == [120, 0, 7200, 90, 600, None, 0]
    assert report["agents"] == [row(kim, 4, 0, 0, 4.33), row(sam, 3, 120, 1500, 3.5)]
    assert report["totals"] == plain["totals"] and report["csat"] == plain["csat"]
    assert report["busiest_hours"] == plain["busiest_hours"]
    assert plain["first_response"] == stats(120, 227400, 6), "business_hours=false is the default"
    # Across the change to summer time: Friday 17:55 CET to Monday 09:05 CEST is ten minutes.
    assert spring["first_response"] == stats(600, 600, 1) and spring["resolution"] == stats(1500, 1500, 1)
    assert spring["busiest_hours"] == hours({(5, 17): 1, (7, 12): 1})
    assert spring["totals"]["bot_resolved"] == 1


def test_business_hours_past_midnight_and_the_autumn_change(stack, desk, world):
    """A range that runs past midnight belongs to the day it starts (Friday 22:00-02:00); on
    Sunday 25 October 2026 the clocks go back at 03:00, so 01:00 CEST to 05:00 CET is five hours."""
    sam = world.sam.username
    friday = a_line("2026-10-02", sam, messages=[bot("2026-10-02T20:55:00Z"), customer("2026-10-02T20:56:00Z", "Late?"),
                                                 agent("2026-10-03T01:00:00Z", sam, "Here")],
                    created_at="2026-10-02T20:55:00Z", requested_agent_at="2026-10-02T21:00:00Z",  # Fri 23:00 CEST
                    closed_at="2026-10-03T01:10:00Z", rating=None)  # answered Sat 03:00, closed 03:10 CEST
    autumn = a_line("2026-10-25", sam, messages=[bot("2026-10-24T22:55:00Z"), agent("2026-10-25T04:00:00Z", sam, "Hi")],
                    created_at="2026-10-24T22:55:00Z", requested_agent_at="2026-10-24T23:00:00Z",  # Sun 01:00 CEST
                    closed_at="2026-10-25T04:30:00Z", rating=None)  # answered 05:00 CET, closed 05:30 CET
    for line in (friday, autumn):
        del line["rating"]
    result = import_conversations(stack, [friday, autumn], world.tmp)
    assert result.returncode == 0, described(result)
    availability(desk, hours={**NO_HOURS, "fri": [["22:00", "02:00"]], "sun": [["00:00", "06:00"]]})
    try:
        late = overview(desk, business_hours="true", **{"from": "2026-10-02", "to": "2026-10-02"})
        back = overview(desk, business_hours="true", **{"from": "2026-10-25", "to": "2026-10-25"})
    finally:
        availability(desk, hours=NO_HOURS)
    assert late["first_response"] == stats(10800, 10800, 1) and late["resolution"] == stats(10800, 10800, 1)
    assert back["first_response"] == stats(18000, 18000, 1) and back["resolution"] == stats(19800, 19800, 1)
    assert back["busiest_hours"] == hours({(7, 0): 1})
    raw = overview(desk, **{"from": "2026-10-02", "to": "2026-10-02"})
    assert raw["first_response"] == stats(14400, 14400, 1) and raw["resolution"] == stats(15000, 15000, 1)


def test_percentiles_of_ten_and_of_four(stack, desk, world):
    """API.md's examples: p90 of 10 values is the 9th, the median of 4 the 2nd (not a mean)."""
    sam = world.sam.username
    lines = []
    for n in range(10):  # first responses 10, 20 … 100 s on Monday 28 September; the first four labelled
        h = f"2026-09-28T{8 + n:02d}"
        reply = f"{h}:01:{10 * (n + 1):02d}Z" if n < 5 else f"{h}:02:{10 * (n + 1) - 60:02d}Z"
        lines.append(a_line("2026-09-28", sam, 8 + n, messages=[customer(f"{h}:00:10Z", "Hi"), agent(reply, sam, "Hello")],
                            rating={"score": 1 + n % 5, "comment": "", "at": f"{h}:06:00Z"},
                            labels=["Refund"] if n < 4 else []))
    result = import_conversations(stack, lines, world.tmp)
    assert result.returncode == 0, described(result)
    ten = overview(desk, **{"from": "2026-09-28", "to": "2026-09-28"})
    assert ten["first_response"] == stats(50, 90, 10)
    assert ten["csat"] == {"average": 3.0, "count": 10, "distribution": [2, 2, 2, 2, 2], "response_rate": 1.0}
    four = overview(desk, label=world.refund["id"], **{"from": "2026-09-28", "to": "2026-09-28"})
    assert four["first_response"] == stats(20, 40, 4)  # 10, 20, 30, 40: the 2nd and the 4th


def test_closed_dates_close_a_shop_without_hours(desk, world):
    """No hours: open around the clock, but a closed date is closed the whole local day. C7
    (asked Friday 6 November 17:55) then waits from Saturday 00:00 to Monday 09:05."""
    availability(desk, closed_dates=["2026-11-06"])
    try:
        report = overview(desk, business_hours="true", **NOVEMBER)
        spring = overview(desk, business_hours="true", **{"from": "2026-03-27", "to": "2026-03-29"})
    finally:
        availability(desk, closed_dates=[])
    assert report["series"][4] == day("2026-11-06", 1, 1, 205500, 2.0)
    assert report["first_response"] == stats(120, 205500, 6)
    assert report["resolution"] == stats(1200, 206400, 8)
    assert spring["first_response"] == stats(223800, 223800, 1), "no hours and no closed date: the whole wait"


def test_the_label_filter(desk, world):
    sam, kim = world.sam, world.kim
    report = overview(desk, label=world.refund["id"], **NOVEMBER)  # C1, C3, C6 (C10 is after the range)
    assert report["totals"] == {"conversations": 3, "bot_resolved": 0, "escalated": 3, "offline_messages": 0, "closed": 3}
    assert report["first_response"] == stats(120, 300, 3)  # 90, 120.9, 300.75
    assert report["resolution"] == stats(840, 1800, 3)  # 540, 840, 1800
    assert report["csat"] == {"average": 4.33, "count": 3, "distribution": [0, 0, 0, 2, 1], "response_rate": 1.0}
    assert report["series"] == [day("2026-11-02", 1, 1, 120, 5.0), day("2026-11-03", 1, 1, 300, 4.0), day("2026-11-04"),
                                day("2026-11-05", 1, 1, 90, 4.0), day("2026-11-06"), day("2026-11-07"), day("2026-11-08")]
    assert report["agents"] == [row(kim, 2, 300, 840, 4.0), row(sam, 1, 90, 540, 5.0)]
    assert report["busiest_hours"] == hours({(1, 9): 1, (2, 0): 1, (4, 15): 1})
    vip = overview(desk, label=world.vip["id"], **NOVEMBER)
    assert vip["totals"]["conversations"] == 1 and vip["agents"] == [row(sam, 1, 120, 540, 5.0)]


def test_the_agent_filter(desk, world):
    sam, kim = world.sam, world.kim
    report = overview(desk, agent_id=sam.id, **NOVEMBER)  # held C1 C4 C7, first answered C6
    assert report["totals"] == {"conversations": 4, "bot_resolved": 0, "escalated": 4, "offline_messages": 1, "closed": 4}
    assert report["first_response"] == stats(120, 227400, 4)  # 90, 120.9, 7200, 227400
    assert report["resolution"] == stats(840, 228300, 4)  # 540, 840, 9000, 228300
    assert report["csat"] == {"average": 3.67, "count": 3, "distribution": [0, 1, 0, 1, 1], "response_rate": 0.75}
    # Every number is about these conversations: kim held C6 among them.
    assert report["agents"] == [row(sam, 3, 120, 9000, 3.5), row(kim, 1, None, 840, 4.0)]
    assert report["busiest_hours"] == hours({(1, 9): 1, (3, 10): 1, (4, 15): 1, (5, 17): 1})
    both = overview(desk, agent_id=kim.id, label=world.refund["id"], **NOVEMBER)  # C3, C6
    assert both["totals"]["conversations"] == 2 and both["resolution"] == stats(840, 1800, 2)


def test_an_agents_own_row(stack, desk, world):
    sam, kim = world.sam, world.kim
    mine = desk.ok("GET", ME, who=sam, params=NOVEMBER)
    assert mine["range"]["from"] == "2026-11-02" and mine["range"]["to"] == "2026-11-08"
    assert mine["range"]["timezone"] == BERLIN and mine["range"]["business_hours"] is False
    assert {k: v for k, v in mine.items() if k != "range"} == {k: v for k, v in row(sam, 3, 120, 9000, 3.5).items()}
    theirs = desk.ok("GET", f"{O}/reports/me", who=kim, params={**NOVEMBER, "business_hours": "true"})
    assert {k: v for k, v in theirs.items() if k != "range"} == row(kim, 4, 120, 840, 4.33), "no hours: the whole wait"
    # Someone who had none: zeros and nulls.
    lee = stack.register_agent("lee", display_name="Lee Nobody")
    assert {k: v for k, v in desk.ok("GET", ME, who=lee, params=NOVEMBER).items() if k != "range"} == row(lee, 0, None, None, None)
    # Only their own row, whatever they ask for.
    asked = desk.call("GET", ME, who=sam, params={**NOVEMBER, "agent_id": kim.id})
    if asked.status_code == 200:
        assert asked.json()["agent"]["id"] == sam.id and asked.json()["conversations"] == 3
    else:
        assert_error(asked, 400)
    # The admin routes are not theirs.
    for path in (OVERVIEW, CSV):
        desk.refused("GET", path, 403, "admin_required", who=sam, params=NOVEMBER)
        assert_error(desk.call("GET", path, params=NOVEMBER), 401)
    assert_error(desk.call("GET", ME, params=NOVEMBER), 401)


def local_today(desk: Desk) -> date:
    return datetime.now(ZoneInfo(BERLIN)).date()


def test_the_default_range_is_30_days_ending_today(desk, world):
    report = overview(desk)
    today = local_today(desk)
    if report["range"]["to"] != today.isoformat():  # (midnight passed between the two readings)
        today = local_today(desk)
    assert report["range"] == rng((today - timedelta(days=29)).isoformat(), today.isoformat())
    assert [s["start"] for s in report["series"]] == [(today - timedelta(days=29 - n)).isoformat() for n in range(30)]
    mine = desk.ok("GET", ME, who=world.sam)
    assert (mine["range"]["from"], mine["range"]["to"]) == (report["range"]["from"], report["range"]["to"])


def test_400_days_at_most(desk, world):
    longest = overview(desk, **{"from": "2025-01-01", "to": "2026-02-04"})  # 400 days, both ends included
    assert len(longest["series"]) == 400
    assert overview(desk, **{"from": "2026-11-02", "to": "2026-11-02"})["totals"]["conversations"] == 3  # one day
    for path, who in ((OVERVIEW, desk.stack.admin), (CSV, desk.stack.admin), (ME, world.sam)):
        desk.refused("GET", path, 400, "invalid_range", who=who, params={"from": "2025-01-01", "to": "2026-02-05"})
        desk.refused("GET", path, 400, "invalid_range", who=who, params={"from": "2026-11-08", "to": "2026-11-02"})


@pytest.mark.parametrize("params,code", [
    ({"from": "2026-13-01"}, "invalid_date"),
    ({"to": "2026-02-30"}, "invalid_date"),
    ({"from": "20261102"}, "invalid_date"),
    ({"from": "yesterday"}, "invalid_date"),
    ({"to": "2026-11-8"}, "invalid_date"),
    ({"business_hours": "yes"}, "invalid_business_hours"),
    ({"business_hours": "1"}, "invalid_business_hours"),
])
def test_errors_of_every_report_route(desk, world, params, code):
    for path, who in ((OVERVIEW, desk.stack.admin), (CSV, desk.stack.admin), (ME, world.sam)):
        desk.refused("GET", path, 400, code, who=who, params=params)


@pytest.mark.parametrize("params,status,code", [
    ({"interval": "month"}, 400, "invalid_interval"),
    ({"interval": "DAY"}, 400, "invalid_interval"),
    ({"label": NO_SUCH_ID}, 404, "label_not_found"),
    ({"agent_id": NO_SUCH_ID}, 404, "agent_not_found"),
])
def test_errors_of_the_admin_routes(desk, world, params, status, code):
    desk.refused("GET", OVERVIEW, status, code, who=desk.stack.admin, params=params)
    if "interval" not in params:
        desk.refused("GET", CSV, status, code, who=desk.stack.admin, params=params)


# -- a live chat -------------------------------------------------------------------------


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_live_chat_counts_and_its_bot_greeting_is_no_first_response(stack, desk, world):
    lee = stack.register_agent("lee", display_name="Lee Live")
    chat = stack.start_chat(display_name="Live Shopper")
    assert chat.start["messages"][0]["sender_type"] == "bot", "the greeting"
    desk.ok("POST", f"{C}/conversations/{chat.id}/messages", session=chat.session_id, json={"content": "Opening hours?"})
    escalated = desk.ok("POST", f"{C}/conversations/{chat.id}/escalate", session=chat.session_id)
    desk.ok("POST", f"{A}/conversations/{chat.id}/claim", who=lee)
    requested = parse_time(desk.ok("GET", f"{A}/conversations/{chat.id}/messages", who=lee)["conversation"]["requested_agent_at"])
    # A wait of more than a second, so the first response cannot be mistaken for a zero.
    while datetime.now(timezone.utc) < requested + timedelta(seconds=1.2):
        time.sleep(0.05)
    reply = desk.reply(lee, chat.id, "Hello, Lee here.")
    closed = desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=lee)["conversation"]
    desk.ok("POST", f"{C}/conversations/{chat.id}/rating", 201, session=chat.session_id, json={"score": 3})

    created = parse_time(closed["created_at"]).astimezone(ZoneInfo(BERLIN))
    first = math.floor((parse_time(reply["created_at"]) - requested).total_seconds())
    resolution = math.floor((parse_time(closed["closed_at"]) - requested).total_seconds())
    assert first >= 1
    report = overview(desk, **{"from": created.date().isoformat(), "to": created.date().isoformat(), "agent_id": lee.id})
    assert report["totals"] == {"conversations": 1, "bot_resolved": 0, "escalated": 1,
                                "offline_messages": int(escalated["offline"]), "closed": 1}
    assert report["first_response"] == stats(first, first, 1)
    assert report["resolution"] == stats(resolution, resolution, 1)
    assert report["csat"] == {"average": 3.0, "count": 1, "distribution": [0, 0, 1, 0, 0], "response_rate": 1.0}
    assert report["agents"] == [row(lee, 1, first, resolution, 3.0)]
    assert report["busiest_hours"] == hours({(created.isoweekday(), created.hour): 1})
    assert report["series"] == [day(created.date().isoformat(), 1, 1, first, 3.0)]
    assert {k: v for k, v in desk.ok("GET", ME, who=lee, params={"from": created.date().isoformat()}).items()
            if k != "range"} == row(lee, 1, first, resolution, 3.0)


def test_open_chats_count_but_wait_in_no_percentile(stack, desk, world):
    """An escalated chat its holder has not answered yet, and one the bot still has: both are
    conversations, neither is closed nor bot_resolved; the waiting one is escalated and its
    holder's; no percentile has anything yet."""
    max_ = stack.register_agent("max", display_name="Max Waiting")
    waiting, chatting = stack.start_chat(), stack.start_chat()
    desk.ok("POST", f"{C}/conversations/{waiting.id}/escalate", session=waiting.session_id)
    desk.ok("POST", f"{A}/conversations/{waiting.id}/claim", who=max_)
    tag = desk.label("Open right now")
    for chat in (waiting, chatting):
        desk.set_labels(max_, chat.id, [tag["id"]])
    seen = desk.ok("GET", f"{A}/conversations/{waiting.id}/messages", who=max_)["conversation"]
    today = parse_time(seen["created_at"]).astimezone(ZoneInfo(BERLIN)).date().isoformat()
    report = overview(desk, label=tag["id"], **{"from": today, "to": today})
    assert report["totals"] == {"conversations": 2, "bot_resolved": 0, "escalated": 1,
                                "offline_messages": int(seen["offline"]), "closed": 0}
    assert report["first_response"] == stats(None, None, 0) and report["resolution"] == stats(None, None, 0)
    assert report["csat"] == {"average": None, "count": 0, "distribution": [0, 0, 0, 0, 0], "response_rate": None}
    assert report["agents"] == [row(max_, 1, None, None, None)]
    assert report["series"] == [day(today, 2, 1, None, None)]


def test_a_live_transfer_credits_the_first_reply_to_its_writer(stack, desk, world):
    """Ann answers first and hands the chat to Bea, who closes it: the first response is Ann's,
    the chat is Bea's (held at the close); both filters find it."""
    ann = stack.register_agent("ann", display_name="Ann First")
    bea = stack.register_agent("bea", display_name="Bea Second")
    chat = stack.escalated_chat()
    desk.ok("POST", f"{A}/conversations/{chat.id}/claim", who=ann)
    requested = parse_time(desk.ok("GET", f"{A}/conversations/{chat.id}/messages", who=ann)["conversation"]["requested_agent_at"])
    while datetime.now(timezone.utc) < requested + timedelta(seconds=1.2):
        time.sleep(0.05)
    first = desk.reply(ann, chat.id, "Ann here, one moment.")
    moved = desk.transfer(ann, chat.id, to_agent_id=bea.id, note="Yours")
    assert moved.status_code == 200, moved.text
    desk.reply(bea, chat.id, "Bea here, all done.")
    closed = desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=bea)["conversation"]
    created = parse_time(closed["created_at"]).astimezone(ZoneInfo(BERLIN)).date().isoformat()
    fr = math.floor((parse_time(first["created_at"]) - requested).total_seconds())
    res = math.floor((parse_time(closed["closed_at"]) - requested).total_seconds())
    assert fr >= 1
    for who in (ann, bea):
        report = overview(desk, **{"from": created, "to": created, "agent_id": who.id})
        assert report["totals"]["conversations"] == 1, (who.username, report["totals"])
        assert report["first_response"] == stats(fr, fr, 1) and report["resolution"] == stats(res, res, 1)
        assert report["agents"] == [row(bea, 1, None, res, None), row(ann, 0, fr, None, None)]
    own = desk.ok("GET", ME, who=ann, params={"from": created, "to": created})
    assert {k: v for k, v in own.items() if k != "range"} == row(ann, 0, fr, None, None)


# -- the CSV -------------------------------------------------------------------------------


def csv_export(desk: Desk, **params: Any) -> tuple[requests.Response, list[list[str]]]:
    resp = desk.call("GET", CSV, who=desk.stack.admin, params=params)
    assert resp.status_code == 200, resp.text[:500]
    return resp, list(csv.reader(io.StringIO(resp.content.decode("utf-8"), newline="")))


def instant(value: str) -> datetime:
    assert value.endswith("Z"), f"not UTC: {value!r}"
    return parse_time(value)


def test_the_csv_export(desk, world):
    sam, kim = world.sam.agent["display_name"], world.kim.agent["display_name"]
    resp, rows = csv_export(desk, **NOVEMBER)
    assert resp.headers["Content-Type"].replace(" ", "").lower() == "text/csv;charset=utf-8"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="conversations-2026-11-02-2026-11-08.csv"'
    raw = resp.content.decode("utf-8")
    assert raw.endswith("\r\n") and raw.count("\n") == raw.count("\r\n") == 11, "CRLF after each of 11 records"
    assert rows[0] == CSV_HEADER
    L = world.history.lines
    expected = [  # oldest first: contact, agent, labels, first response, resolution, rating, offline
        ("C11", "Night Owl", "", "", "", "23340", "", "true"),
        ("C1", "Ada Lovelace", sam, "Refund; VIP", "120", "540", "5", "false"),
        ("C2", "bo@example.com", "", "", "", "", "", "false"),
        ("C3", "'" + L["C3"]["contact"]["name"], kim, "Refund", "300", "1800", "4", "false"),
        ("C4", "dora@example.com", sam, "", "7200", "9000", "", "true"),
        ("C5", "'-Bob", kim, "", "", "1200", "", "false"),
        ("C8", "Cy", "", "", "", "", "", "false"),
        ("C6", 'Smith, "Jo"', kim, "Refund", "90", "840", "4", "false"),
        ("C7", "Friday Late", sam, "", "227400", "228300", "2", "false"),
        ("C9", "Søren Nacht", kim, "", "120", "630", "5", "false"),
    ]
    assert len(rows) == 1 + len(expected), rows
    for got, (name, contact, holder, labels, first, resolution, rating, offline) in zip(rows[1:], expected):
        line = L[name]
        assert len(got) == len(CSV_HEADER), got
        assert got[0] == world.id(name), (name, got)
        assert instant(got[1]) == parse_time(line["created_at"]), (name, got)
        assert got[2] == "closed", (name, got)
        assert got[3:6] == [contact, holder, labels], (name, got)
        if "requested_agent_at" in line:
            assert instant(got[6]) == parse_time(line["requested_agent_at"]), (name, got)
        else:
            assert got[6] == "", (name, got)
        assert got[7:] == [first, resolution, rating, offline], (name, got)
    # Quoting as RFC 4180 writes it: commas and quotes inside quotes, "" for a quote.
    assert '"Smith, ""Jo"""' in raw and '"Kim ""K"", Jones"' in raw
    assert "\r\n'-Bob" not in raw and ",'-Bob," in raw


def test_the_csv_follows_business_hours_and_the_filters(desk, world):
    availability(desk, hours=OFFICE_HOURS)
    try:
        _, rows = csv_export(desk, business_hours="true", **NOVEMBER)
    finally:
        availability(desk, hours=NO_HOURS)
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[world.id("C7")][7:9] == ["600", "1500"] and by_id[world.id("C3")][7:9] == ["0", "0"]
    _, labelled = csv_export(desk, label=world.refund["id"], **NOVEMBER)
    assert [r[0] for r in labelled[1:]] == [world.id(n) for n in ("C1", "C3", "C6")]
    _, kims = csv_export(desk, agent_id=world.kim.id, **NOVEMBER)
    assert [r[0] for r in kims[1:]] == [world.id(n) for n in ("C3", "C5", "C6", "C9")]
    resp, empty = csv_export(desk, **{"from": "2026-11-07", "to": "2026-11-07"})
    assert empty == [CSV_HEADER] and resp.content.decode() == ",".join(CSV_HEADER) + "\r\n"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="conversations-2026-11-07-2026-11-07.csv"'


def test_the_csv_quotes_a_line_break_and_defuses_formulas(stack, desk, world):
    desk.label("-10% off", "#000000")
    lines = [a_line("2026-09-21", world.kim.username, contact={"name": "Two\nlines"}, labels=["Refund"]),
             a_line("2026-09-21", world.kim.username, 11, contact={"name": "+31 20 555 0100"}),
             a_line("2026-09-21", world.kim.username, 12, contact={"name": "@handle"},
                    labels=["-10% off"])]
    result = import_conversations(stack, lines, world.tmp)
    assert result.returncode == 0, described(result)
    resp, rows = csv_export(desk, **{"from": "2026-09-21", "to": "2026-09-21"})
    assert [r[0] for r in rows[1:]] == [line["id"] for line in lines]
    assert rows[1][3] == "Two\nlines", rows
    assert '"Two\nlines"' in resp.content.decode() or '"Two\r\nlines"' in resp.content.decode()
    assert [r[3] for r in rows[2:]] == ["'+31 20 555 0100", "'@handle"]
    assert rows[3][5] == "'-10% off"


def test_a_large_export_is_streamed_whole(stack, desk, world):
    """4000 conversations (about 650 KB of CSV, far more than one FastCGI record or nginx
    buffer): every row arrives, in order."""
    start = datetime(2026, 8, 3, 0, 0, tzinfo=timezone.utc)  # 02:00 in Berlin (summer time) …
    lines = []
    for n in range(4000):
        at = (start + timedelta(seconds=15 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")  # … to 18:39:45
        closed = (start + timedelta(seconds=15 * n + 10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        lines.append({"id": f"00000000-0000-4000-8000-{n:012d}", "created_at": at, "contact": {"name": f"Bulk {n:04d} " + "x" * 70},
                      "messages": [{"sender": "bot", "content": "Hello", "at": at}], "closed_at": closed, "offline": False})
    result = import_conversations(stack, lines, world.tmp)
    assert result.returncode == 0, described(result)
    assert summary(result) == (4000, 0)
    resp, rows = csv_export(desk, **{"from": "2026-08-03", "to": "2026-08-03"})
    assert len(resp.content) > 600_000
    assert rows[0] == CSV_HEADER and len(rows) == 4001
    assert [r[0] for r in rows[1:]] == [line["id"] for line in lines]
    assert all(len(r) == len(CSV_HEADER) and r[3].startswith("Bulk ") for r in rows[1:])
    report = overview(desk, **{"from": "2026-08-03", "to": "2026-08-03"})
    assert report["totals"] == {"conversations": 4000, "bot_resolved": 4000, "escalated": 0, "offline_messages": 0, "closed": 4000}
    assert sum(cell[2] for cell in report["busiest_hours"]) == 4000
    assert report["busiest_hours"][2] == [1, 2, 240], "Monday 3 August 02:00-03:00 local: 240 chats"


def test_csv_and_overview_agree(desk, world):
    """Each CSV row's first response and resolution are what the overview's percentiles rank."""
    _, rows = csv_export(desk, **NOVEMBER)
    report = overview(desk, **NOVEMBER)
    first = sorted(int(r[7]) for r in rows[1:] if r[7])
    resolution = sorted(int(r[8]) for r in rows[1:] if r[8])
    assert len(first) == report["first_response"]["count"] and len(resolution) == report["resolution"]["count"]
    assert first[math.ceil(0.5 * len(first)) - 1] == report["first_response"]["median_seconds"]
    assert resolution[math.ceil(0.9 * len(resolution)) - 1] == report["resolution"]["p90_seconds"]
    assert sum(1 for r in rows[1:] if r[9]) == report["csat"]["count"]

