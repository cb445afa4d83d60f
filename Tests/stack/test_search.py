"""Search (docs/API.md "Search", issue 21) through nginx: prefixes ("refun" finds
"refund"), AND-ed words, "quoted phrases", case and accents ignored ("cafe" finds "café"),
hostile input (FTS5 syntax: `"`, `*`, `NEAR(`, `)`, a lone `-`, `AND`/`OR`/`NOT`, `col:`,
`^` …) that is never a 5xx and searched as text, `q` empty or over 200 characters is 400
`invalid_query`, highlights that point at the matched words in Unicode scalars (an emoji
and combining accents before the match), notes and contacts found, system notices not,
the filters and their refusals, and an erased contact gone from the results. Every answer
is checked against docs/openapi.yaml.

Each test writes words no other test wrote (daylib.word), so the shared stack's other
conversations never match."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daylib import A, D, O, Desk, held_chat, word
from identitylib import new_secret, signed_in
from stacklib import assert_error


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def hits_of(items: list[dict], conversation_id: str) -> list[dict]:
    found = [item for item in items if item["conversation"]["id"] == conversation_id]
    assert len(found) <= 1, "a conversation once"
    return found[0]["hits"] if found else []


def found_in(desk: Desk, q: str, **params) -> set[str]:
    return {item["conversation"]["id"] for item in desk.search(desk.stack.agent, q, **params)}


def marked(hit: dict) -> list[str]:
    """The highlighted parts of a hit's snippet (offsets in code points: Python's str indexing)."""
    snippet = hit["snippet"]
    for start, end in hit["highlights"]:
        assert 0 <= start < end <= len(snippet), (hit, start, end)
    return [snippet[start:end] for start, end in hit["highlights"]]


# -- what matches -------------------------------------------------------------------------


def test_prefixes_words_phrases_case_and_accents(stack, desk):
    tag = word()
    chat = stack.escalated_chat()
    desk.say(chat, f"I want a refund for my café order {tag}, the Crème brûlée set")
    other = stack.escalated_chat()
    desk.say(other, f"{tag}: the cafe was closed, my order is lost")

    assert found_in(desk, f"refun {tag}") == {chat.id}, "a prefix"
    assert found_in(desk, f"REFUND {tag.upper()}") == {chat.id}, "any case"
    assert found_in(desk, f"cafe {tag}") == {chat.id, other.id}, "accents ignored"
    assert found_in(desk, f"café {tag}") == {chat.id, other.id}
    assert found_in(desk, f"creme brulee {tag}") == {chat.id}
    assert found_in(desk, f"CRÈME {tag}") == {chat.id}
    assert found_in(desk, f"order lost {tag}") == {other.id}, "every word must match"
    assert found_in(desk, f"order {tag} nothinglikethis") == set()
    assert found_in(desk, f'"my café order" {tag}') == {chat.id}, "a phrase"
    assert found_in(desk, f'"my cafe" {tag}') == {chat.id}
    assert found_in(desk, f'"café my" {tag}') == set(), "a phrase's words in order"
    assert found_in(desk, f'"order my" {tag}') == set()
    assert found_in(desk, f'"the cafe was" {tag}') == {other.id}
    assert found_in(desk, "efund " + tag) == set(), "the start of a word, not its middle"
    assert desk.ok("GET", f"{O}/search", who=stack.agent, params={"q": f"refund {tag}"})["items"][0]["conversation"]["id"] == chat.id


def test_hits_point_at_the_matched_words_in_unicode_scalars(stack, desk):
    tag = word()
    chat = stack.escalated_chat()
    # Before the match: an emoji (2 UTF-16 units, 4 bytes), a flag (2 scalars), an e with a
    # combining accent (2 scalars, 1 user-perceived character) and a precomposed é (2 bytes).
    text = f"🎉🇩🇪 Cafe\u0301 déjà vu: my parcel {tag} is lost"
    message = desk.say(chat, text)
    [hit] = hits_of(desk.search(stack.agent, f"parc {tag}"), chat.id)
    assert (hit["type"], hit["id"], hit["sender_type"], hit["created_at"]) == ("message", message["id"], "customer", message["created_at"])
    assert hit["snippet"] == text
    assert sorted(part.lower() for part in marked(hit)) == sorted(["parcel", tag]), hit
    [hit] = hits_of(desk.search(stack.agent, f"deja {tag}"), chat.id)
    assert "déjà" in marked(hit), hit
    [hit] = hits_of(desk.search(stack.agent, f'"my parcel" {tag}'), chat.id)
    assert set(" ".join(marked(hit)).lower().split()) == {"my", "parcel", tag}, hit


def test_a_long_message_gives_a_snippet_around_the_match(stack, desk):
    tag = word()
    chat = stack.escalated_chat()
    before, after = "😀 lorem ipsum dolor " * 20, " sit amet consectetur" * 20
    desk.say(chat, f"{before}the {tag} is here{after}")
    [hit] = hits_of(desk.search(stack.agent, tag), chat.id)
    snippet = hit["snippet"]
    assert len(snippet) <= 200, f"about 160 characters, got {len(snippet)}"
    assert snippet.startswith("…") and snippet.endswith("…"), snippet
    assert [part.lower() for part in marked(hit)] == [tag]
    assert snippet.replace("…", "") in f"{before}the {tag} is here{after}"


def test_notes_and_contacts_are_found_system_notices_are_not(stack, desk):
    tag = word()
    sam = stack.register_agent("sam", display_name=f"Sam {tag}")
    chat = held_chat(stack, sam, display_name=f"Robin {tag} Hood", email=f"{tag}@example.com")  # "Sam … has joined"
    note = desk.note(sam, chat.id, f"Refund approved, courier {tag} late")
    items = desk.search(stack.agent, tag)
    hits = hits_of(items, chat.id)
    kinds = {hit["type"]: hit for hit in hits}
    assert set(kinds) == {"note", "contact"}, f"no system notice ('Sam {tag} has joined'), no other hit: {hits}"
    assert (kinds["note"]["id"], kinds["note"]["sender_type"]) == (note["id"], None)
    assert tag in [part.lower() for part in marked(kinds["note"])]
    contact = desk.item(sam, chat.id)["contact"]
    assert (kinds["contact"]["id"], kinds["contact"]["sender_type"]) == (contact["id"], None)
    assert tag in " ".join(marked(kinds["contact"])).lower()
    # A contact's hit belongs to its newest conversation.
    found = next(item for item in items if item["conversation"]["id"] == chat.id)["conversation"]
    assert found["contact"]["id"] == contact["id"]
    assert desk.item(sam, chat.id)["last_message"]["content"] != note["content"]


def test_at_most_five_hits_newest_first_and_conversations_by_their_newest_hit(stack, desk):
    tag = word()
    older, newer = stack.escalated_chat(), stack.escalated_chat()
    sent = [desk.say(older, f"{tag} number {n}") for n in range(7)]
    desk.say(newer, f"and {tag} once")
    items = desk.search(stack.agent, tag)
    assert [item["conversation"]["id"] for item in items] == [newer.id, older.id]
    hits = hits_of(items, older.id)
    assert len(hits) == 5 and {hit["id"] for hit in hits} <= {m["id"] for m in sent}
    times = [hit["created_at"] for hit in hits]
    assert times == sorted(times, reverse=True) and times[-1] >= sent[2]["created_at"], "the newest five, newest first"
    desk.say(older, f"{tag} again")
    assert [item["conversation"]["id"] for item in desk.search(stack.agent, tag)] == [older.id, newer.id]


# -- hostile input ------------------------------------------------------------------------

HOSTILE = ['"', '""', '"""', "*", "**", "NEAR(", "NEAR(a b)", "NEAR", ")", "(", "()", "-", "--", "- -", "+", "^", "^a",
           "AND", "OR", "NOT", "a AND", "OR b", "NOT a", "col:", "content:x", ":", "{a b}:x", "a:b", "'", "\\", "\\\"",
           "%", "_", "%_%", "a\"b", '"unterminated', "x" * 200, '"' * 200, "*" * 200, "🎉", "‮", "a\tb",
           "'; DROP TABLE messages; --", "SELECT * FROM messages_fts", "ㅤ", "\u200b", "⁂", "a" + "\u0301" * 4]


@pytest.mark.parametrize("q", HOSTILE)
def test_any_text_is_a_query_never_an_error(stack, desk, q):
    resp = desk.call("GET", f"{A}/search", who=stack.agent, params={"q": q})
    assert resp.status_code == 200, f"q={q!r}: {resp.status_code} {resp.text[:300]}"
    assert isinstance(resp.json()["items"], list)


def test_search_syntax_is_searched_as_text_or_ignored(stack, desk):
    tag = word()
    chat = stack.escalated_chat()
    desk.say(chat, f"I have not got my refund {tag} and or near the café")
    for q in (f"{tag}*", f'"{tag}', f'{tag}"', f"-{tag}", f"({tag})", f"{tag})", f"NEAR( {tag}", f"^{tag}",
              f"{tag} NOT refund", f"{tag} AND refund", f"{tag} - refund", f"refund -{tag}", f"+{tag}",
              f'"{tag}" "refund', f"{tag}:", f"{tag} *"):
        assert found_in(desk, q) == {chat.id}, f"{q!r} did not find the message (search syntax at work?)"
    # "OR" is no operator: `tag OR missing` needs a word starting with "missing".
    assert found_in(desk, f"{tag} OR nothinglikethis") == set()
    assert found_in(desk, f"nothinglikethis OR {tag}") == set()


def test_a_query_without_letters_or_digits_finds_nothing(stack, desk):
    for q in ("!!!", "---", "***", "🎉🎉", "...", '" "'):
        assert desk.search(stack.agent, q) == [], q


def test_empty_blank_and_overlong_queries_are_400(stack, desk):
    desk.refused("GET", f"{A}/search", 400, "invalid_query", who=stack.agent)
    desk.refused("GET", f"{A}/search?q=", 400, "invalid_query", who=stack.agent)
    desk.refused("GET", f"{A}/search", 400, "invalid_query", who=stack.agent, params={"q": "x" * 201})
    desk.refused("GET", f"{A}/search", 400, "invalid_query", who=stack.agent, params={"q": "é" * 201})
    desk.ok("GET", f"{A}/search", who=stack.agent, params={"q": "é" * 200})  # characters, not bytes
    blank = desk.call("GET", f"{A}/search", who=stack.agent, params={"q": "   "})
    assert blank.status_code in (200, 400), blank.text
    if blank.status_code == 400:
        assert_error(blank, 400, "invalid_query")
    else:
        assert blank.json()["items"] == []
    assert_error(desk.call("GET", f"{A}/search?q=x"), 401)


# -- filters ------------------------------------------------------------------------------


def shop_today(desk: Desk) -> datetime:
    zone = desk.ok("GET", f"{D}/settings", who=desk.stack.admin)["availability"]["timezone"]
    return datetime.now(ZoneInfo(zone))


def test_filters_status_label_dates_before_and_limit(stack, desk):
    tag = word()
    sam = stack.register_agent("sam")
    open_chat, closed_chat = held_chat(stack, sam), held_chat(stack, sam)
    first = desk.say(open_chat, f"{tag} in the open chat")
    desk.say(closed_chat, f"{tag} in the closed chat")
    desk.ok("POST", f"{A}/conversations/{closed_chat.id}/close", who=sam)
    assert found_in(desk, tag, status="closed") == {closed_chat.id}
    assert found_in(desk, tag, status="agent") == {open_chat.id}
    assert found_in(desk, tag, status="automated") == set()
    assert found_in(desk, tag, status="open") == {open_chat.id}, "open: not closed"

    label = desk.label(word("L"))
    desk.set_labels(sam, open_chat.id, [label["id"]])
    assert found_in(desk, tag, label=label["id"]) == {open_chat.id}

    today = shop_today(desk)
    day = today.strftime("%Y-%m-%d")
    yesterday = (today - timedelta(days=1)).strftime("%Y-%m-%d")
    tomorrow = (today + timedelta(days=1)).strftime("%Y-%m-%d")
    assert found_in(desk, tag, **{"from": day, "to": day}) == {open_chat.id, closed_chat.id}, "`to` is inclusive"
    assert found_in(desk, tag, to=yesterday) == set()
    assert found_in(desk, tag, **{"from": tomorrow}) == set()
    assert found_in(desk, tag, before=first["created_at"]) == set(), "before: older hits only"

    # Pages: `next_before` while a page is full, passed as `before` for the next one.
    first_page = desk.ok("GET", f"{A}/search", who=stack.agent, params={"q": tag, "limit": 1})
    assert [i["conversation"]["id"] for i in first_page["items"]] == [closed_chat.id], "the newest hit first"
    assert first_page["next_before"] is not None
    second_page = desk.ok("GET", f"{A}/search", who=stack.agent,
                          params={"q": tag, "limit": 1, "before": first_page["next_before"]})
    assert [i["conversation"]["id"] for i in second_page["items"]] == [open_chat.id]
    whole = desk.ok("GET", f"{A}/search", who=stack.agent, params={"q": tag, "limit": 50})
    assert len(whole["items"]) == 2 and whole["next_before"] is None, "a page that is not full is the last"


@pytest.mark.parametrize("params,code", [
    ({"status": "opened"}, "invalid_status"),
    ({"limit": "0"}, "invalid_limit"), ({"limit": "51"}, "invalid_limit"), ({"limit": "ten"}, "invalid_limit"),
    ({"from": "yesterday"}, "invalid_date"), ({"to": "2026-1-5"}, "invalid_date"), ({"from": "2026-12-01T00:00:00Z"}, "invalid_date"),
    ({"from": "2026-02-30"}, "invalid_date"), ({"to": "2026-12-32"}, "invalid_date"),
    ({"to": "2026-13-01"}, "invalid_date"), ({"from": "2026-00-10"}, "invalid_date"),
    ({"before": "yesterday"}, "invalid_before"),
])
def test_bad_filters_are_400(stack, desk, params, code):
    desk.refused("GET", f"{A}/search", 400, code, who=stack.agent, params={"q": "parcel", **params})


# -- erasure ------------------------------------------------------------------------------


def test_an_erased_contact_vanishes_from_the_results(stack, desk):
    tag = word()
    secret = new_secret(stack)
    known = signed_in(stack, secret, f"shop-{tag}", name=f"Erin {tag}", email=f"{tag}@example.com")
    desk.ok("POST", f"/api/v1/customer/conversations/{known.id}/escalate", session=known.session_id)
    desk.say(known, f"Please forget me, {tag}")
    desk.note(stack.agent, known.id, f"Erasure asked, {tag}")
    contact_id = known.start["contact"]["id"]
    kinds = {hit["type"] for hit in hits_of(desk.search(stack.agent, tag), known.id)}
    assert kinds == {"message", "note", "contact"}, kinds
    desk.ok("DELETE", f"{D}/contacts/{contact_id}", 204, who=stack.admin)
    assert desk.search(stack.agent, tag) == []
    assert desk.search(stack.agent, f"forget {tag}") == []
    assert desk.search(stack.agent, f'"erasure asked" {tag}') == []
    desk.ok("DELETE", f"{D}/identity/secrets/{secret.id}", 204, who=stack.admin)
