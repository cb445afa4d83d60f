"""Labels (docs/API.md "Labels", issue 21) through nginx: the admins' CRUD (403
`admin_required` for agents, 409 `label_taken` ignoring case, 409 `label_limit`, 400
`invalid_label`, 404 `label_not_found`, audited), every agent's list, `PUT` a
conversation's labels (closed ones too, repeats ignored, at most 20, an unknown id named),
`?label=` on the list, deleting a label takes it off every conversation, and labels
never reach the customer: not their routes, not their stream. Every answer and event
payload is checked against docs/openapi.yaml.

One stack for the module (`labels`): the limit test fills the desk to 100 labels."""

from __future__ import annotations

import pytest

from daylib import A, D, NO_SUCH_ID, O, Desk, checked_events, customer_facing, everything, held_chat, nowhere_in, of, streams, word  # noqa: F401 (streams: a fixture)
from stacklib import assert_error

LABELS = f"{D}/labels"


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory("labels")


@pytest.fixture(scope="module")
def desk(stack) -> Desk:
    return Desk(stack)


def names(labels: list[dict]) -> list[str]:
    return [label["name"] for label in labels]


def conversation_ids(desk: Desk, who, query: str) -> set[str]:
    return {c["id"] for c in desk.listed(who, query)}


def test_admins_keep_the_labels_agents_read_them(stack, desk, streams):
    sam = stack.register_agent("sam")
    sams = streams.agent(sam)
    shopper = stack.start_chat()
    customer = streams.customer(shopper)
    tag = word("L")
    vip = desk.label(f"{tag} VIP", "#B91C1C")
    assert (vip["name"], vip["color"].lower()) == (f"{tag} VIP", "#b91c1c"), vip
    refund = desk.label(f"{tag} refund")
    listed = desk.ok("GET", LABELS, who=stack.admin)["items"]
    assert [label for label in listed if label["name"].startswith(tag)] == [refund, vip]
    assert names(listed) == sorted(names(listed), key=str.lower), "by name"
    assert desk.ok("GET", f"{A}/labels", who=sam)["items"] == listed == desk.ok("GET", f"{O}/labels", who=sam)["items"]

    # Unique ignoring case, on create and on rename.
    desk.refused("POST", LABELS, 409, "label_taken", who=stack.admin, json={"name": f"{tag} vip".upper(), "color": "#000000"})
    desk.refused("PATCH", f"{LABELS}/{refund['id']}", 409, "label_taken", who=stack.admin, json={"name": f"{tag} Vip"})
    renamed = desk.ok("PATCH", f"{LABELS}/{refund['id']}", who=stack.admin, json={"name": f"{tag} Refund"})
    assert renamed == {**refund, "name": f"{tag} Refund"}
    assert desk.ok("PATCH", f"{LABELS}/{refund['id']}", who=stack.admin, json={"name": f"{tag} refund"})["name"] == f"{tag} refund"
    recoloured = desk.ok("PATCH", f"{LABELS}/{vip['id']}", who=stack.admin, json={"color": "#0b7a75"})
    assert recoloured["color"].lower() == "#0b7a75" and recoloured["name"] == vip["name"]
    for body in ({"name": None}, {"color": None}):
        assert_error(desk.call("PATCH", f"{LABELS}/{vip['id']}", who=stack.admin, json=body), 400)
    desk.refused("PATCH", f"{LABELS}/{NO_SUCH_ID}", 404, "label_not_found", who=stack.admin, json={"color": "#000000"})
    desk.refused("DELETE", f"{LABELS}/{NO_SUCH_ID}", 404, "label_not_found", who=stack.admin)

    # Agents: 403 admin_required on every admin route; nobody: 401.
    for method, path, body in (("GET", LABELS, None), ("POST", LABELS, {"name": word(), "color": "#000000"}),
                               ("PATCH", f"{LABELS}/{vip['id']}", {"color": "#000000"}), ("DELETE", f"{LABELS}/{vip['id']}", None)):
        desk.refused(method, path, 403, "admin_required", who=sam, json=body)
        assert_error(desk.call(method, path, json=body), 401)
    assert_error(desk.call("GET", f"{A}/labels"), 401)

    desk.ok("DELETE", f"{LABELS}/{vip['id']}", 204, who=stack.admin)
    now = desk.ok("GET", f"{A}/labels", who=sam)["items"]
    assert vip["id"] not in {label["id"] for label in now}

    # Each change told the open consoles, with every label (so they redraw their chips); never a customer.
    changed = sams.wait_for(lambda e: e.event == "labels.changed" and e.json["labels"] == now, what="labels.changed after the deletion")
    assert len([e for e in sams.named("labels.changed") if e.int_id <= changed.int_id]) >= 6, "create ×2, rename ×2, recolour, delete"
    assert any(recoloured in e.json["labels"] for e in sams.named("labels.changed"))
    checked_events(sams)
    customer.wait_message(desk.say(shopper, "hi")["id"])  # later than every labels.changed
    assert not customer.named("labels.changed")
    audit = {(e["action"], e["target"]) for e in desk.ok("GET", f"{D}/audit?limit=50", who=stack.admin)["items"]}
    for action, label in (("label.created", vip), ("label.updated", refund), ("label.deleted", vip)):
        assert (action, label["id"]) in audit, (action, audit)


@pytest.mark.parametrize("body", [
    {"name": "", "color": "#000000"}, {"name": "   ", "color": "#000000"}, {"name": "x" * 41, "color": "#000000"},
    {"name": "ok", "color": "red"}, {"name": "ok", "color": "#fff"}, {"name": "ok", "color": "#GGGGGG"},
    {"name": "ok", "color": "000000"}, {"name": "ok", "color": "#0000000"},
])
def test_invalid_labels(stack, desk, body):
    desk.refused("POST", LABELS, 400, "invalid_label", who=stack.admin, json=body)


def test_the_longest_name(stack, desk):
    assert len(desk.label("é" + word("")[:9] + "x" * 30)["name"]) == 40  # 40 characters, 41 bytes and more


def test_labels_on_conversations_and_the_list_filter(stack, desk, streams):
    sam, kim = stack.register_agent("sam"), stack.register_agent("kim")
    tag = word("L")
    vip, refund, late = desk.label(f"{tag} vip"), desk.label(f"{tag} refund"), desk.label(f"{tag} late")
    chat = held_chat(stack, sam)
    kims = streams.agent(kim)

    answer = desk.set_labels(kim, chat.id, [vip["id"], refund["id"], vip["id"]])  # any agent; repeats ignored
    assert answer.status_code == 200, answer.text
    conversation = answer.json()["conversation"]
    assert conversation["id"] == chat.id and conversation["labels"] == [refund, vip], "by name"
    update = kims.wait_for(lambda e: of(chat.id, "conversation.updated")(e) and "labels" in e.json, what="labels on the stream")
    assert update.json["labels"] == [refund, vip]
    checked_events(kims)
    assert desk.item(sam, chat.id)["labels"] == [refund, vip]
    assert conversation_ids(desk, sam, f"label={vip['id']}") == {chat.id}
    assert conversation_ids(desk, kim, f"label={late['id']}") == set()
    assert chat.id in {c["id"] for c in desk.ok("GET", f"{O}/conversations?label={refund['id']}", who=kim)["items"]}

    # Replacing the set; an empty set; closed conversations too.
    desk.set_labels(sam, chat.id, [late["id"]])
    assert conversation_ids(desk, sam, f"label={vip['id']}") == set()
    assert conversation_ids(desk, sam, f"label={late['id']}") == {chat.id}
    desk.ok("POST", f"{A}/conversations/{chat.id}/close", who=sam)
    closed = desk.ok("PUT", f"{O}/conversations/{chat.id}/labels", who=kim, json={"label_ids": [late["id"], vip["id"]]})
    assert closed["conversation"]["status"] == "closed" and closed["conversation"]["labels"] == [late, vip]
    assert conversation_ids(desk, sam, f"status=closed&label={vip['id']}") == {chat.id}

    # Deleting a label takes it off every conversation.
    desk.ok("DELETE", f"{LABELS}/{vip['id']}", 204, who=stack.admin)
    assert desk.item(sam, chat.id)["labels"] == [late]
    assert conversation_ids(desk, sam, f"label={vip['id']}") == set()
    assert desk.set_labels(sam, chat.id, []).json()["conversation"]["labels"] == []


def test_put_labels_refusals(stack, desk):
    chat = stack.start_chat()
    path = f"{A}/conversations/{chat.id}/labels"
    known = desk.label(word("L"))
    body = desk.refused("PUT", path, 400, "invalid_label", who=stack.agent, json={"label_ids": [known["id"], NO_SUCH_ID]})
    assert NO_SUCH_ID in body["detail"], "the unknown id is named"
    assert desk.item(stack.agent, chat.id)["labels"] == [], "nothing was set"
    for bad in ({}, {"label_ids": None}, {"label_ids": "x"}, {"label_ids": [1]}):
        assert_error(desk.call("PUT", path, who=stack.agent, json=bad), 400)
    desk.refused("PUT", f"{A}/conversations/{NO_SUCH_ID}/labels", 404, "conversation_not_found", who=stack.agent,
                 json={"label_ids": []})
    assert_error(desk.call("PUT", path, json={"label_ids": []}), 401)


def test_labels_never_reach_the_customer(stack, desk, streams):
    sam = stack.register_agent("sam")
    chat = held_chat(stack, sam)
    customer = streams.customer(chat, last_event_id=0)
    secret = desk.label(f"Rude customer {word()}", "#123456")
    desk.set_labels(sam, chat.id, [secret["id"]])
    desk.ok("PATCH", f"{LABELS}/{secret['id']}", who=stack.admin, json={"name": secret["name"] + " really"})
    desk.reply(sam, chat.id, "Hello there")  # something the customer does get, after the labels
    customer.wait_for(lambda e: (e.message() or {}).get("content") == "Hello there", what="the agent's reply")
    seen = customer_facing(desk, chat)
    assert "labels" not in seen["conversation"] and "labels" not in seen["resume"]["conversation"]
    for word_of_it in (secret["name"], secret["id"]):
        nowhere_in(word_of_it, stream=everything(customer), **seen)
    assert not [e for e in customer.named("conversation.updated") if "labels" in e.json]
    checked_events(customer)


def test_at_most_100_labels_and_20_on_a_conversation(stack, desk):
    have = desk.ok("GET", LABELS, who=stack.admin)["items"]
    made = [desk.label(word("M")) for _ in range(100 - len(have))]
    desk.refused("POST", LABELS, 409, "label_limit", who=stack.admin, json={"name": word("M"), "color": "#000000"})
    every = [label["id"] for label in have + made]
    chat = stack.start_chat()
    assert len(desk.set_labels(stack.agent, chat.id, every[:20]).json()["conversation"]["labels"]) == 20
    assert_error(desk.set_labels(stack.agent, chat.id, every[:21]), 400)
    assert len(desk.set_labels(stack.agent, chat.id, every[:20] + every[:5]).json()["conversation"]["labels"]) == 20
    for label in made:
        desk.ok("DELETE", f"{LABELS}/{label['id']}", 204, who=stack.admin)
