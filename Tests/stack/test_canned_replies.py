"""Canned replies (docs/API.md "Canned replies", issue 21) through nginx on the shared stack:
the team's and each agent's own, who may change which (403 `admin_required`, 404
`canned_reply_not_found` for someone else's personal one, admins included), the shortcut,
title and content rules, `unknown_variable` naming the variable, `q`, and rendering for a
conversation with fallbacks (never a `{{` left in the text). Every answer is checked
against docs/openapi.yaml (daylib.Desk)."""

from __future__ import annotations

import pytest

from daylib import A, D, NO_SUCH_ID, O, Desk, word
from stacklib import AgentLogin, assert_error

REPLIES = f"{A}/canned-replies"


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def create(desk: Desk, who: AgentLogin, shortcut: str, content: str = "Hello!", title: str = "A reply", **more) -> dict:
    return desk.ok("POST", REPLIES, 201, who=who, json={"shortcut": shortcut, "title": title, "content": content, **more})


def attempt(desk: Desk, who: AgentLogin, **body):
    body.setdefault("shortcut", word("s"))
    body.setdefault("title", "A reply")
    body.setdefault("content", "Hello!")
    return desk.call("POST", REPLIES, who=who, json=body)


def shortcuts(desk: Desk, who: AgentLogin, q: str | None = None) -> list[str]:
    items = desk.ok("GET", REPLIES, who=who, params={} if q is None else {"q": q})["items"]
    return [item["shortcut"] for item in items]


def render(desk: Desk, who: AgentLogin, conversation_id: str, reply_id: str) -> str:
    return desk.ok("GET", f"{A}/conversations/{conversation_id}/canned-replies/{reply_id}/render", who=who)["content"]


# -- scopes and owners -------------------------------------------------------------------


def test_the_team_s_replies_and_each_agent_s_own(stack, desk):
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    boss = stack.register_agent("boss", role="admin")
    s = word("r")
    sams = create(desk, sam, f"/{s.upper()}", title="Sam's")
    assert (sams["shortcut"], sams["scope"], sams["owner_agent_id"]) == (s, "personal", sam.id), sams
    kims = create(desk, kim, s, title="Kim's")  # the same shortcut, another owner
    desk.refused("POST", REPLIES, 409, "shortcut_taken", who=sam, json={"shortcut": s, "title": "Again", "content": "x"})
    team = create(desk, boss, s, title="The team's", scope="team")  # the same shortcut, another scope
    assert (team["scope"], team["owner_agent_id"]) == ("team", None), team
    desk.refused("POST", REPLIES, 409, "shortcut_taken", who=stack.admin,
                 json={"shortcut": s, "title": "Again", "content": "x", "scope": "team"})
    desk.refused("POST", REPLIES, 403, "admin_required", who=sam,
                 json={"shortcut": word("t"), "title": "Mine for all", "content": "x", "scope": "team"})
    assert_error(attempt(desk, sam, scope="everyone"), 400)

    # Each sees the team's and their own, by shortcut; never a colleague's.
    def mine(who: AgentLogin) -> set[str]:
        return {item["id"] for item in desk.ok("GET", REPLIES, who=who)["items"] if item["shortcut"] == s}
    assert mine(sam) == {sams["id"], team["id"]}
    assert mine(kim) == {kims["id"], team["id"]}
    assert mine(boss) == {team["id"]}, "an admin's list has no one else's personal replies"
    listed = shortcuts(desk, sam)
    assert listed == sorted(listed), "by shortcut"

    # A personal reply is its owner's alone: anyone else (admins included) gets a 404.
    for who in (kim, boss, stack.admin):
        desk.refused("PATCH", f"{REPLIES}/{sams['id']}", 404, "canned_reply_not_found", who=who, json={"title": "Mine now"})
        desk.refused("DELETE", f"{REPLIES}/{sams['id']}", 404, "canned_reply_not_found", who=who)
        desk.refused("GET", f"{A}/conversations/{stack.start_chat().id}/canned-replies/{sams['id']}/render", 404,
                     "canned_reply_not_found", who=who)
    assert desk.ok("PATCH", f"{O}/canned-replies/{sams['id']}", who=sam, json={"title": "Sam's own"})["title"] == "Sam's own"

    # The team's: any admin changes it, an agent gets 403 admin_required.
    desk.refused("PATCH", f"{REPLIES}/{team['id']}", 403, "admin_required", who=sam, json={"title": "Ours"})
    desk.refused("DELETE", f"{REPLIES}/{team['id']}", 403, "admin_required", who=sam)
    changed = desk.ok("PATCH", f"{REPLIES}/{team['id']}", who=stack.admin, json={"content": "Thanks from all of us."})
    assert changed["content"] == "Thanks from all of us." and changed["updated_at"] >= team["updated_at"]
    desk.ok("DELETE", f"{REPLIES}/{team['id']}", 204, who=boss)
    desk.refused("DELETE", f"{REPLIES}/{team['id']}", 404, "canned_reply_not_found", who=boss)
    desk.ok("DELETE", f"{O}/canned-replies/{sams['id']}", 204, who=sam)
    assert mine(sam) == set() and mine(kim) == {kims["id"]}

    # Changes to the team's replies are audited.
    audit = desk.ok("GET", f"{D}/audit?limit=50", who=stack.admin)["items"]
    actions = {(e["action"], e["target"]) for e in audit}
    for action in ("canned_reply.created", "canned_reply.updated", "canned_reply.deleted"):
        assert (action, team["id"]) in actions, (action, audit[:5])


def test_a_shortcut_change_to_a_taken_one_is_409(stack, desk):
    sam = stack.register_agent("sam")
    first, second = create(desk, sam, word("a")), create(desk, sam, word("b"))
    desk.refused("PATCH", f"{REPLIES}/{second['id']}", 409, "shortcut_taken", who=sam,
                 json={"shortcut": first["shortcut"].upper()})
    desk.refused("PATCH", f"{REPLIES}/{NO_SUCH_ID}", 404, "canned_reply_not_found", who=sam, json={"title": "x"})
    moved = desk.ok("PATCH", f"{REPLIES}/{second['id']}", who=sam, json={"shortcut": "/" + second["shortcut"] + "-2"})
    assert moved["shortcut"] == second["shortcut"] + "-2"


# -- what a reply may be ------------------------------------------------------------------


@pytest.mark.parametrize("shortcut", ["-ref", "_ref", "", "/", "a" * 33, "re f", "réf", "ref!", "//ref"])
def test_invalid_shortcuts(stack, desk, shortcut):
    assert_error(attempt(desk, stack.agent, shortcut=shortcut), 400, "invalid_shortcut")


def test_the_limits_of_shortcut_title_and_content(stack, desk):
    sam = stack.register_agent("sam")
    longest = create(desk, sam, "/Z" + word("") + "9" * 21, title="t" * 80, content="c" * 4000)
    assert len(longest["shortcut"]) == 32 and len(longest["title"]) == 80 and len(longest["content"]) == 4000
    assert_error(attempt(desk, sam, title=""), 400, "invalid_title")
    assert_error(attempt(desk, sam, title="t" * 81), 400, "invalid_title")
    assert_error(attempt(desk, sam, content=""), 400, "empty_content")
    assert_error(attempt(desk, sam, content="c" * 4001), 400, "content_too_long")
    assert_error(attempt(desk, sam, content="🙂" * 4001), 400, "content_too_long")  # scalars, not bytes
    assert create(desk, sam, word("e"), content="🙂" * 4000)["content"] == "🙂" * 4000
    for field in ("shortcut", "title", "content"):
        desk.refused("PATCH", f"{REPLIES}/{longest['id']}", 400, "invalid_json", who=sam, json={field: None})
    desk.refused("PATCH", f"{REPLIES}/{longest['id']}", 400, "empty_content", who=sam, json={"content": ""})


@pytest.mark.parametrize("variable", ["contact.phone", "agent.email", "brand", "order.id", "contact.name.first"])
def test_an_unknown_variable_is_refused_naming_it(stack, desk, variable):
    for text in (f"Hi {{{{{variable}}}}}!", f"Hi {{{{ {variable} | friend }}}}!"):
        body = assert_error(attempt(desk, stack.agent, content=text), 400, "unknown_variable")
        assert variable in body["detail"], body
    reply = create(desk, stack.agent, word("u"))
    body = desk.refused("PATCH", f"{REPLIES}/{reply['id']}", 400, "unknown_variable", who=stack.agent,
                        json={"content": f"{{{{{variable}}}}}"})
    assert variable in body["detail"], body


def test_other_braces_are_text(stack, desk):
    text = "Use {braces} or }} and {{ alone; {x}"
    reply = create(desk, stack.agent, word("b"), content=text)
    assert render(desk, stack.agent, stack.start_chat().id, reply["id"]) == text


# -- finding one -------------------------------------------------------------------------


def test_q_matches_the_shortcut_start_and_words_of_the_title_and_content(stack, desk):
    sam = stack.register_agent("sam")
    tag = word("q")
    parcel = create(desk, sam, f"{tag}parcel", title="Parcel on its way", content="Your ORDER ships today.")
    refund = create(desk, sam, f"{tag}refund", title="Refund approved", content="The money is back in 3 days.")

    def found(q: str) -> set[str]:
        return set(shortcuts(desk, sam, q)) & {parcel["shortcut"], refund["shortcut"]}
    assert found(tag) == {parcel["shortcut"], refund["shortcut"]}
    assert found(f"/{tag}par") == {parcel["shortcut"]}
    assert found(f"{tag.upper()}REF") == {refund["shortcut"]}
    assert found("approv") == {refund["shortcut"]}  # a word of the title
    assert found("order ship") == {parcel["shortcut"]}  # each word starts a word of the content
    assert found("ships money") == set(), "every word must match"
    assert found("oney") == set(), "a word's start, not its middle"
    assert found("") == {parcel["shortcut"], refund["shortcut"]}, "an empty q is no filter"
    desk.ok("GET", REPLIES, who=sam, params={"q": "x" * 200})
    desk.refused("GET", REPLIES, 400, "invalid_query", who=sam, params={"q": "x" * 201})


def test_at_most_500_replies_per_scope_and_owner(stack, desk):
    sam = stack.register_agent("sam")
    for n in range(500):
        create(desk, sam, f"limit-{n}")
    assert_error(attempt(desk, sam, shortcut="limit-500"), 409, "canned_reply_limit")
    create(desk, stack.register_agent("kim"), "limit-500")  # another owner has their own 500


# -- rendering ---------------------------------------------------------------------------


def test_render_fills_in_the_conversation_s_contact_the_caller_and_the_brand(stack, desk):
    sam = stack.register_agent("sam", display_name="Sam Carter")
    kim = stack.register_agent("kim", display_name="Kim Lee")
    brand = desk.ok("GET", f"{D}/settings", who=stack.admin)["brand_name"]
    every = create(desk, sam, word("v"), content="{{contact.name}}|{{contact.first_name}}|{{contact.email}}|{{agent.name}}|{{brand.name}}")
    team = desk.ok("POST", REPLIES, 201, who=stack.admin,
                   json={"shortcut": word("t"), "title": "Team", "content": "{{ agent.name }} at {{brand.name}}", "scope": "team"})
    named = stack.start_chat(display_name="Dana María Scully", email="dana@example.com")
    assert render(desk, sam, named.id, every["id"]) == f"Dana María Scully|Dana|dana@example.com|Sam Carter|{brand}"
    assert render(desk, sam, named.id, team["id"]) == f"Sam Carter at {brand}"
    assert render(desk, kim, named.id, team["id"]) == f"Kim Lee at {brand}", "agent.name is the caller"
    assert render(desk, sam, named.id, every["id"]) == desk.ok(
        "GET", f"{O}/conversations/{named.id}/canned-replies/{every['id']}/render", who=sam)["content"]


def test_a_missing_value_is_the_fallback_or_nothing_never_braces(stack, desk):
    sam = stack.register_agent("sam")
    anonymous = stack.start_chat(email=None)
    with_fallbacks = create(desk, sam, word("f"), content=(
        "Hi {{contact.first_name | there}}, {{contact.name|my friend}} <{{ contact.email | no e-mail }}>"))
    without = create(desk, sam, word("n"), content="Hi {{contact.first_name}}!{{contact.email}} {{contact.name}}.")
    assert render(desk, sam, anonymous.id, with_fallbacks["id"]) == "Hi there, my friend <no e-mail>"
    text = render(desk, sam, anonymous.id, without["id"])
    assert "{{" not in text and "}}" not in text and text.startswith("Hi ") and "contact" not in text, text
    # With the values there, the fallbacks are not used.
    named = stack.start_chat(display_name="Ann Lee", email="ann@example.com")
    assert render(desk, sam, named.id, with_fallbacks["id"]) == "Hi Ann, Ann Lee <ann@example.com>"


def test_render_refusals(stack, desk):
    reply = create(desk, stack.agent, word("x"))
    chat = stack.start_chat()
    desk.refused("GET", f"{A}/conversations/{NO_SUCH_ID}/canned-replies/{reply['id']}/render", 404,
                 "conversation_not_found", who=stack.agent)
    desk.refused("GET", f"{A}/conversations/{chat.id}/canned-replies/{NO_SUCH_ID}/render", 404,
                 "canned_reply_not_found", who=stack.agent)
    assert_error(desk.call("GET", f"{A}/conversations/{chat.id}/canned-replies/{reply['id']}/render"), 401)
    assert_error(desk.call("GET", REPLIES), 401)
