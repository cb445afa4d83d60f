"""Files and images (docs/API.md "Files and images"), through nginx on real stacks.

Uploads go through an auth_request pre-check (who, where, how large by Content-Length)
before nginx reads a byte of the body, then nginx writes the body to a file whose path
the worker reads; the type is judged from the bytes; images are written again without
their metadata; files are served by nginx from an internal location after the worker
checked a signed link. Each test below says what it proves.

Stacks: `files` (the module's, rate limits off; tests that change Settings.attachments
put them back), `files-crash` (the worker is killed mid-upload) and `files-ratelimits`
(nginx's limits on)."""

from __future__ import annotations

import hashlib
import re
import signal
import sqlite3
import threading
import time
import urllib.parse

import pytest
import requests

from filelib import (
    FRAME_COLOURS, GPS_IFD, MAKE, animated, MIB, SECRET_MAKE, SizedBody, agent_send, agent_upload, attachment_settings, changed_link,
    check_attachment, chunked, download, fixture, head_only, huge_png, jpeg_with_gps, link_query, open_paths,
    opened, PeakMemory, png_with_text, send, set_attachments, streamed_digest, upload, upload_path, uploaded,
    webp_with_gps,
)
from identitylib import new_secret, new_sub, signed_in
from sselib import agent_stream, customer_stream
from stacklib import Chat, assert_error, ok

NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"
SMALL_LIMIT = 1024  # the smallest max_bytes Settings accept
MAX_LIMIT = 100 * MIB  # the largest


@pytest.fixture(scope="module")
def files(stack_factory):
    return stack_factory("files")


def chat_of(stack) -> Chat:
    return stack.start_chat()


def limit_named(detail: str, limit: int) -> bool:
    """The refusal names the limit (in bytes, or rounded to KB/MB as people read it)."""
    words = {str(limit), f"{limit:,}"}
    if limit % 1024 == 0:
        words.add(f"{limit // 1024} KB")
    if limit % MIB == 0:
        words.add(f"{limit // MIB} MB")
    return any(w in detail for w in words)


# -- sizes -----------------------------------------------------------------------------------


def test_an_empty_file_is_400_empty_file(files):
    chat = chat_of(files)
    assert_error(upload(files, chat, b""), 400, "empty_file")
    assert_error(agent_upload(files, files.agent.token, chat.id, b""), 400, "empty_file")


def test_an_upload_without_content_length_is_411(files):
    """Nothing is read before its size is known to fit: a chunked body is refused, whatever
    its size, from either side."""
    chat = chat_of(files)
    for body in (b"", b"a" * 10, b"a" * (SMALL_LIMIT + 1)):
        assert_error(upload(files, chat, chunked(body), "c.txt"), 411, "length_required")
        assert_error(agent_upload(files, files.agent.token, chat.id, chunked(body), "c.txt"), 411, "length_required")
    # The head alone gets the 411.
    status, _, raw = head_only(files, upload_path("customer", chat.id) + "?filename=x",
                               {"X-Customer-Session-Id": chat.session_id, "Transfer-Encoding": "chunked"})
    assert status == 411 and b"length_required" in raw, (status, raw)


def test_one_byte_is_stored_as_one_byte(files):
    """A single byte is judged like any file (libmagic calls one byte no type at all:
    application/octet-stream), and accepted once that type is allowed."""
    chat = chat_of(files)
    answer = upload(files, chat, b"a", "one.bin")
    if answer.status_code == 415:
        assert_error(answer, 415, "file_type_not_allowed")
        found = re.search(r"type (\S+) ", answer.json()["detail"])
        assert found, answer.json()
        with attachment_settings(files, allowed_types=["text/plain", found.group(1)]):
            att = uploaded(upload(files, chat, b"a", "one.bin"))
    else:
        att = uploaded(answer)
    assert att["size"] == 1 and att["sha256"] == hashlib.sha256(b"a").hexdigest()
    assert download(files, att["url"]).content == b"a"


def test_exactly_the_limit_passes_and_one_byte_more_is_413(files):
    chat = chat_of(files)
    with attachment_settings(files, max_bytes=SMALL_LIMIT):
        config = ok(files.get("/api/v1/customer/widget-config"))["attachments"]
        assert config["max_bytes"] == SMALL_LIMIT, config
        att = uploaded(upload(files, chat, b"a" * SMALL_LIMIT, "limit.txt"))
        assert att["size"] == SMALL_LIMIT
        assert download(files, att["url"]).content == b"a" * SMALL_LIMIT

        # One over, with a Content-Length.
        body = assert_error(upload(files, chat, b"a" * (SMALL_LIMIT + 1), "over.txt"), 413, "file_too_large")
        assert limit_named(body["detail"], SMALL_LIMIT), body
        # The same from an agent.
        body = assert_error(agent_upload(files, files.agent.token, chat.id, b"a" * (SMALL_LIMIT + 1)), 413,
                            "file_too_large")
        assert limit_named(body["detail"], SMALL_LIMIT), body
        # The same bytes again: stored once (one copy by SHA-256), a new attachment.
        again = uploaded(upload(files, chat, b"a" * SMALL_LIMIT, "limit.txt"))
        assert again["id"] != att["id"] and again["sha256"] == att["sha256"]


def test_a_declared_length_over_the_limit_is_refused_before_the_body_is_read(files):
    """Only the request head is sent: the 413 can only come from the pre-check."""
    chat = chat_of(files)
    with attachment_settings(files, max_bytes=SMALL_LIMIT):
        path = upload_path("customer", chat.id) + "?filename=big.bin"
        for length in (SMALL_LIMIT + 1, 50 * MIB, MAX_LIMIT + 1, 10 * 1024 * MIB):
            status, headers, raw = head_only(files, path, {"X-Customer-Session-Id": chat.session_id,
                                                           "Content-Length": str(length)})
            assert status == 413, (length, status, raw)
            assert headers["content-type"].startswith("application/json"), headers
            assert b'"code":"file_too_large"' in raw.replace(b" ", b""), raw
            assert limit_named(raw.decode(), SMALL_LIMIT) or length > MAX_LIMIT, raw
        # An agent's too.
        status, _, raw = head_only(files, upload_path("agent", chat.id) + "?filename=big.bin",
                                   {"Authorization": f"Bearer {files.agent.token}", "Content-Length": str(50 * MIB)})
        assert status == 413 and b"file_too_large" in raw, (status, raw)


def test_100_mib_after_an_admin_raised_the_limit_and_the_worker_stays_small(files):
    """The largest limit an admin may set, filled exactly, streamed from a generator; the
    worker reads nginx's file in pieces: its resident memory must not grow with the file."""
    chat = chat_of(files)
    ten = SizedBody(10 * MIB + 1)
    assert_error(upload(files, chat, ten, "big.txt"), 413, "file_too_large")  # the default 10 MiB
    with attachment_settings(files, max_bytes=MAX_LIMIT) as settings:
        assert settings["max_bytes"] == MAX_LIMIT
        body = SizedBody(MAX_LIMIT, seed=b"one hundred MiB")
        pid = files.service_pid("worker")
        assert pid, files.logs()
        with PeakMemory(pid) as memory:
            began = time.monotonic()
            att = uploaded(upload(files, chat, body, "hundred.txt"))
            took = time.monotonic() - began
        print(f"\n100 MiB upload in {took:.2f} s; {memory.describe()}")
        assert att["size"] == MAX_LIMIT and att["sha256"] == body.digest(), att
        assert att["content_type"] == "text/plain", att
        assert memory.growth_kib < 60 * 1024, memory.describe()
        status, size, digest, resp = streamed_digest(files, att["url"])
        assert (status, size, digest) == (200, MAX_LIMIT, body.digest())
        assert resp.headers["Content-Length"] == str(MAX_LIMIT)
        # One byte more than the largest limit, declared: refused before the body.
        status, _, raw = head_only(files, upload_path("customer", chat.id) + "?filename=x",
                                   {"X-Customer-Session-Id": chat.session_id, "Content-Length": str(MAX_LIMIT + 1)})
        assert status == 413 and b"file_too_large" in raw, (status, raw)


def test_max_bytes_outside_its_range_is_invalid_settings(files):
    for value in (1023, MAX_LIMIT + 1, 0):
        resp = files.request("PATCH", "/api/v1/admin/settings", token=files.admin.token,
                             json={"attachments": {"max_bytes": value}})
        assert_error(resp, 400, "invalid_settings")
    # A value of the wrong type is a 400 too (its code is the JSON reader's).
    assert_error(files.request("PATCH", "/api/v1/admin/settings", token=files.admin.token,
                               json={"attachments": {"max_bytes": "10"}}), 400)
    for value in ([], [f"x/y{i}" for i in range(31)]):
        resp = files.request("PATCH", "/api/v1/admin/settings", token=files.admin.token,
                             json={"attachments": {"allowed_types": value}})
        assert_error(resp, 400, "invalid_settings")


# -- types, judged by the bytes --------------------------------------------------------------


def test_an_html_page_named_photo_png_is_415_naming_text_html(files):
    chat = chat_of(files)
    body = assert_error(upload(files, chat, fixture("page.png"), "photo.png", content_type="image/png"), 415,
                        "file_type_not_allowed")
    assert "text/html" in body["detail"], body
    body = assert_error(agent_upload(files, files.agent.token, chat.id, fixture("page.png"), "photo.png",
                                     content_type="image/png"), 415, "file_type_not_allowed")
    assert "text/html" in body["detail"], body


def test_an_svg_with_a_script_is_415(files):
    chat = chat_of(files)
    body = assert_error(upload(files, chat, fixture("script.svg"), "logo.png", content_type="image/png"), 415,
                        "file_type_not_allowed")
    assert "svg" in body["detail"], body


def test_a_jpeg_html_polyglot_is_stored_as_a_jpeg_without_the_html(files):
    chat = chat_of(files)
    polyglot = fixture("polyglot.jpg")
    assert b"<script>" in polyglot
    att = uploaded(upload(files, chat, polyglot, "poly.html", content_type="text/html"))
    assert att["content_type"] == "image/jpeg" and att["inline"] is True, att
    got = download(files, att["url"])
    assert got.status_code == 200 and got.headers["Content-Type"] == "image/jpeg", got.headers
    assert b"<script" not in got.content and b"<html" not in got.content
    assert opened(got.content).format == "JPEG"
    assert att["size"] == len(got.content) and att["sha256"] == hashlib.sha256(got.content).hexdigest()


def test_a_jpeg_loses_its_exif_and_gps_and_is_turned_upright(files):
    chat = chat_of(files)
    original = jpeg_with_gps((64, 32), orientation=6)
    assert opened(original).getexif().get_ifd(GPS_IFD), "Pillow wrote the GPS tags"
    att = uploaded(upload(files, chat, original, "holiday.jpg"))
    assert (att["content_type"], att["width"], att["height"]) == ("image/jpeg", 32, 64), att
    got = download(files, att["url"])
    image = opened(got.content)
    exif = image.getexif()
    assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD), dict(exif)
    assert MAKE not in exif, dict(exif)
    assert SECRET_MAKE.encode() not in got.content
    assert image.size == (32, 64)
    preview = download(files, att["preview_url"])
    assert preview.status_code == 200 and SECRET_MAKE.encode() not in preview.content
    assert max(opened(preview.content).size) <= 480


def test_a_webp_loses_its_gps(files):
    chat = chat_of(files)
    att = uploaded(upload(files, chat, webp_with_gps(), "shop.webp"))
    assert att["content_type"] == "image/webp", att
    got = download(files, att["url"]).content
    exif = opened(got).getexif()
    assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD) and MAKE not in exif, dict(exif)
    assert SECRET_MAKE.encode() not in got


def test_a_png_loses_its_text_chunks(files):
    chat = chat_of(files)
    att = uploaded(upload(files, chat, png_with_text("my-home-address"), "scan.png"))
    got = download(files, att["url"]).content
    image = opened(got)
    assert image.format == "PNG" and not getattr(image, "text", {}), image.info
    assert b"my-home-address" not in got and b"tEXt" not in got and b"iTXt" not in got


@pytest.mark.parametrize("kind", ["gif", "webp"])
def test_an_animation_keeps_its_frames_and_timing_with_a_still_preview(files, kind):
    chat = chat_of(files)
    sent = animated(kind)
    assert opened(sent).n_frames == 3
    att = uploaded(upload(files, chat, sent, f"wave.{kind}"))
    assert att["content_type"] == f"image/{kind}" and (att["width"], att["height"]) == (30, 20), att
    stored = opened(download(files, att["url"]).content)
    assert stored.n_frames == 3, "the frames are kept"
    for frame in range(3):
        stored.seek(frame)
        stored.load()  # (Pillow reads a WebP frame's timing when it decodes it)
        assert stored.info.get("duration") == 100, (frame, stored.info)
        assert stored.convert("RGB").getpixel((15, 10)) == pytest.approx(FRAME_COLOURS[frame], abs=8), frame
    preview = opened(download(files, att["preview_url"]).content)
    assert getattr(preview, "n_frames", 1) == 1


def test_bytes_that_say_jpeg_but_do_not_decode_are_415_invalid_image(files):
    chat = chat_of(files)
    assert_error(upload(files, chat, fixture("broken.jpg"), "photo.jpg"), 415, "invalid_image")


def test_more_than_50_megapixels_is_415_invalid_image(files):
    chat = chat_of(files)
    assert_error(upload(files, chat, huge_png(), "poster.png"), 415, "invalid_image")


def test_an_allowed_types_change_applies_at_once(files):
    chat = chat_of(files)
    note = fixture("note.txt")
    uploaded(upload(files, chat, note, "a.txt"))
    with attachment_settings(files, allowed_types=["image/png"]):
        assert ok(files.get("/api/v1/customer/widget-config"))["attachments"]["allowed_types"] == ["image/png"]
        body = assert_error(upload(files, chat, note, "a.txt"), 415, "file_type_not_allowed")
        assert "text/plain" in body["detail"], body
        assert_error(agent_upload(files, files.agent.token, chat.id, note, "a.txt"), 415, "file_type_not_allowed")
        uploaded(upload(files, chat, png_with_text(), "b.png"))
    uploaded(upload(files, chat, note, "a.txt"))


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("given,expected", [
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\note.txt", "note.txt"),
    ("a\x00b.txt", "ab.txt"),
    ("invoice\u202etxt.exe", "invoicetxt.exe"),
    ("\u2066x\u2069\u200e\u200f.txt", "x.txt"),
    ("tab\tname\x07.txt", "tabname.txt"),
    ("Größe M.txt", "Größe M.txt"),
    ("/", "file"),
    ("\u202e", "file"),
    ("", "file"),
    (None, "file"),
])
def test_names_are_cleaned(files, given, expected):
    chat = chat_of(files)
    att = uploaded(upload(files, chat, fixture("note.txt"), given))
    assert att["filename"] == expected, (given, att["filename"])
    disposition = download(files, att["url"]).headers["Content-Disposition"]
    assert disposition == "attachment; filename*=UTF-8''" + urllib.parse.quote(expected, safe=""), disposition


def test_a_300_character_name_keeps_at_most_200(files):
    chat = chat_of(files)
    att = uploaded(upload(files, chat, fixture("note.txt"), "x" * 296 + ".txt"))
    assert 0 < len(att["filename"]) <= 200 and set(att["filename"]) <= set("x.txt"), att["filename"]
    wide = "é" * 300  # 300 scalars, 600 bytes: characters are counted
    att = uploaded(upload(files, chat, fixture("note.txt"), wide))
    assert att["filename"] == "é" * 200, len(att["filename"])


# -- messages ----------------------------------------------------------------------------------


def test_a_message_carries_only_the_sides_own_uploads_to_its_conversation(files):
    chat, other = chat_of(files), chat_of(files)
    token = files.agent.token
    mine = uploaded(upload(files, chat, fixture("note.txt")))
    theirs = uploaded(upload(files, other, fixture("note.txt")))
    agents = uploaded(agent_upload(files, token, chat.id, fixture("note.txt")))
    # Another conversation's upload; the other side's upload (both ways); an unknown id.
    assert_error(send(files, chat, [theirs["id"]]), 400, "invalid_attachment")
    assert_error(send(files, chat, [agents["id"]]), 400, "invalid_attachment")
    assert_error(agent_send(files, token, chat.id, [mine["id"]]), 400, "invalid_attachment")
    assert_error(agent_send(files, token, chat.id, [theirs["id"]]), 400, "invalid_attachment")
    assert_error(send(files, chat, [NO_SUCH_ID]), 400, "invalid_attachment")
    # Nothing was sent by the refusals.
    assert not any(m["attachments"] for m in files.customer_messages(chat))
    # Used once, then again.
    ok(send(files, chat, [mine["id"]]))
    assert_error(send(files, chat, [mine["id"]]), 400, "invalid_attachment")
    ok(agent_send(files, token, chat.id, [agents["id"]], "here it is"))
    assert_error(agent_send(files, token, chat.id, [agents["id"]]), 400, "invalid_attachment")


def test_at_most_ten_attachments_on_a_message(files):
    chat = chat_of(files)
    ids = [uploaded(upload(files, chat, f"file {i}\n".encode(), f"{i}.txt"))["id"] for i in range(11)]
    assert_error(send(files, chat, ids), 400, "invalid_attachment")
    sent = ok(send(files, chat, ids[:10]))["customer_message"]
    assert [a["id"] for a in sent["attachments"]] == ids[:10]
    # The eleventh is still free to send.
    assert [a["id"] for a in ok(send(files, chat, ids[10:]))["customer_message"]["attachments"]] == ids[10:]


def test_a_message_of_only_attachments_and_everywhere_it_is_read_carries_fresh_links(files):
    """The answer, both message lists and the message.created events on both streams carry
    `attachments`, each with its own working links."""
    chat = chat_of(files)
    token = files.agent.token
    cursor = ok(files.get(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id))["last_event_id"]
    with customer_stream(files, chat, cursor) as cstream, agent_stream(files, token, cursor) as astream:
        assert cstream.ok and astream.ok, (cstream.status, astream.status)
        photo = uploaded(upload(files, chat, jpeg_with_gps(), "photo.jpg"))
        note = uploaded(upload(files, chat, fixture("note.txt"), "note.txt"))
        message = ok(send(files, chat, [photo["id"], note["id"]]))["customer_message"]
        assert message["content"] in ("", None) and [a["id"] for a in message["attachments"]] == [photo["id"], note["id"]]
        reply_file = uploaded(agent_upload(files, token, chat.id, fixture("label.pdf"), "label.pdf"))
        reply = ok(agent_send(files, token, chat.id, [reply_file["id"]], "Your label"))["message"]
        assert [a["id"] for a in reply["attachments"]] == [reply_file["id"]]

        customer_list = files.customer_messages(chat)
        agent_list = ok(files.get(f"/api/v1/agent/conversations/{chat.id}/messages", token=token))["messages"]
        seen = {
            "answer": [message, reply],
            "customer list": [m for m in customer_list if m["id"] in (message["id"], reply["id"])],
            "agent list": [m for m in agent_list if m["id"] in (message["id"], reply["id"])],
            "customer stream": [e.message() for e in cstream.wait_messages([message["id"], reply["id"]])
                                if e.message()["id"] in (message["id"], reply["id"])],
            "agent stream": [e.message() for e in astream.wait_messages([message["id"], reply["id"]])
                             if e.message()["id"] in (message["id"], reply["id"])],
        }
    expected = {photo["id"]: photo, note["id"]: note, reply_file["id"]: reply_file}
    for where, messages in seen.items():
        assert len(messages) == 2, (where, messages)
        for m in messages:
            for att in m["attachments"]:
                check_attachment(att)
                same = expected[att["id"]]
                for key in ("filename", "content_type", "size", "sha256", "width", "height", "inline"):
                    assert att[key] == same[key], (where, key, att, same)
                got = download(files, att["url"])
                assert got.status_code == 200, (where, got.status_code, got.text[:200])
                assert hashlib.sha256(got.content).hexdigest() == att["sha256"], where
                if att["preview_url"]:
                    assert download(files, att["preview_url"]).status_code == 200, where
    # Other messages carry an empty list.
    assert all(m["attachments"] == [] for m in customer_list if m["id"] not in (message["id"], reply["id"]))


def test_content_is_still_required_without_attachments(files):
    chat = chat_of(files)
    for body in ({}, {"attachment_ids": []}, {"content": "", "attachment_ids": []}):
        resp = files.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, json=body)
        assert_error(resp, 400)


# -- links ---------------------------------------------------------------------------------------


def test_a_link_changed_after_signing_is_403_invalid_link(files):
    chat = chat_of(files)
    photo = uploaded(upload(files, chat, jpeg_with_gps(), "p.jpg"))
    other = uploaded(upload(files, chat, png_with_text(), "q.png"))
    url, q = photo["url"], link_query(photo["url"])
    forged = [
        changed_link(url, path=f"/api/v1/files/{other['id']}"),  # another file's id
        changed_link(url, path=f"/api/v1/files/{NO_SUCH_ID}"),  # an unknown id
        changed_link(url, variant="preview"),  # the file's signature on its preview
        changed_link(photo["preview_url"], variant=None),  # the preview's on the file
        changed_link(url, exp=str(int(q["exp"]) + 3600)),  # longer
        changed_link(url, exp=str(int(time.time()) - 60)),  # expired
        changed_link(url, exp="1"),
        changed_link(url, sig="0" * len(q["sig"])),
        changed_link(url, sig=None),
        changed_link(url, exp=None),
        f"/api/v1/files/{photo['id']}",
    ]
    for link in forged:
        assert_error(download(files, link), 403, "invalid_link")
    assert download(files, url).status_code == 200


def test_a_link_past_its_expiry_is_403(files):
    """A link whose exp is in the past and whose signature is right for it can only be
    had by waiting; forging the past exp on a fresh signature (above) must fail as well,
    and a signature is never valid for another exp."""
    chat = chat_of(files)
    att = uploaded(upload(files, chat, fixture("note.txt")))
    q = link_query(att["url"])
    for exp in (int(q["exp"]) - 1, int(time.time()), int(time.time()) - 900):
        assert_error(download(files, changed_link(att["url"], exp=str(exp))), 403, "invalid_link")


def test_every_download_has_the_headers_that_keep_it_inert(files):
    chat = chat_of(files)
    cases = [(fixture("gps.jpg"), "a.jpg", "image/jpeg", True), (png_with_text(), "b.png", "image/png", True),
             (fixture("anim.gif"), "c.gif", "image/gif", True), (fixture("small.webp"), "d.webp", "image/webp", True),
             (fixture("label.pdf"), "label.pdf", "application/pdf", False),
             (fixture("note.txt"), "Größe.txt", "text/plain", False)]
    for data, name, ctype, inline in cases:
        att = uploaded(upload(files, chat, data, name))
        assert att["content_type"] == ctype and att["inline"] == inline, att
        links = [att["url"]] + ([att["preview_url"]] if att["preview_url"] else [])
        for link in links:
            got = download(files, link)
            assert got.status_code == 200, got.text[:200]
            h = got.headers
            assert h["X-Content-Type-Options"] == "nosniff", h
            assert h["Content-Security-Policy"] == "default-src 'none'; sandbox", h
            assert h["Cache-Control"] == "private, max-age=900", h
            assert "," not in h["Cache-Control"].replace("private, max-age", ""), "one Cache-Control only"
            assert h.get("Accept-Ranges") == "bytes", h
            if link == att["url"]:
                assert h["Content-Type"].split(";")[0] == ctype, h
                expected = "inline" if inline else "attachment; filename*=UTF-8''" + urllib.parse.quote(name, safe="")
                assert h["Content-Disposition"] == expected, h
                assert len(got.content) == att["size"]
            else:
                assert h["Content-Disposition"] == "inline", h
                assert h["Content-Type"].split(";")[0] in ("image/webp", "image/jpeg", "image/png"), h
        # Byte ranges.
        part = download(files, att["url"], Range="bytes=2-9")
        assert part.status_code == 206, part.status_code
        assert part.headers["Content-Range"] == f"bytes 2-9/{att['size']}", part.headers
        whole = download(files, att["url"]).content
        assert part.content == whole[2:10]
        tail = download(files, att["url"], Range="bytes=-3")
        assert tail.status_code == 206 and tail.content == whole[-3:]
        assert download(files, att["url"], Range=f"bytes={att['size'] + 10}-").status_code == 416


@pytest.mark.parametrize("path", [
    "/_switchboard/files/{sha}",
    "/_switchboard/files/{sha2}/{sha}",
    "/_switchboard/files/{sha2}/{sha}.preview",
    "/_switchboard/files/",
    "/%5Fswitchboard/files/{sha2}/{sha}",
    "/_switchboard%2Ffiles%2F{sha2}%2F{sha}",
    "/api/v1/files/%2e%2e/%2e%2e/%2e%2e/_switchboard/files/{sha2}/{sha}",
    "/api/../_switchboard/files/{sha2}/{sha}",
    "/widget/../_switchboard/files/{sha2}/{sha}",
    "/api/v1/files/../../../_switchboard/files/{sha2}/{sha}",
    "/files/{sha2}/{sha}",
    "/{sha2}/{sha}",
    "/api/v1/files/{sha2}/{sha}",
])
def test_no_other_url_reaches_the_files_directory(files, path):
    chat = chat_of(files)
    att = uploaded(upload(files, chat, jpeg_with_gps(), "x.jpg"))
    sha = att["sha256"]
    url = path.format(sha=sha, sha2=sha[:2])
    # Sent as written (requests would resolve the dot segments itself).
    req = requests.Request("GET", files.url("/")).prepare()
    req.url = files.url(url)
    got = files.http.send(req, timeout=15)
    assert got.status_code in (403, 404), (url, got.status_code)
    assert not got.content.startswith(b"\xff\xd8"), url
    assert hashlib.sha256(got.content).hexdigest() != sha


def test_after_close_the_customer_still_gets_working_links(files):
    chat = files.escalated_chat()
    token = files.agent.token
    ok(files.post(f"/api/v1/agent/conversations/{chat.id}/claim", token=token))
    mine = uploaded(upload(files, chat, fixture("note.txt"), "before.txt"))
    ok(send(files, chat, [mine["id"]]))
    theirs = uploaded(agent_upload(files, token, chat.id, fixture("label.pdf"), "label.pdf"))
    ok(agent_send(files, token, chat.id, [theirs["id"]], "label"))
    ok(files.post(f"/api/v1/agent/conversations/{chat.id}/close", token=token))
    # No uploads to a closed conversation, from either side.
    assert_error(upload(files, chat, fixture("note.txt")), 409, "conversation_closed")
    assert_error(agent_upload(files, token, chat.id, fixture("note.txt")), 409, "conversation_closed")
    atts = [a for m in files.customer_messages(chat) for a in m["attachments"]]
    assert {a["id"] for a in atts} == {mine["id"], theirs["id"]}
    for att in atts:
        check_attachment(att)
        got = download(files, att["url"])
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == att["sha256"]


def test_a_second_device_gets_working_links_and_another_customer_gets_none(files):
    secret = new_secret(files)
    sub = new_sub()
    phone = signed_in(files, secret, sub)
    laptop = signed_in(files, secret, sub)
    assert phone.id == laptop.id and phone.session_id != laptop.session_id
    att = uploaded(upload(files, phone, jpeg_with_gps(), "from-phone.jpg"))
    ok(send(files, phone, [att["id"]]))
    on_laptop = [a for m in files.customer_messages(laptop) for a in m["attachments"]]
    assert [a["id"] for a in on_laptop] == [att["id"]]
    got = download(files, on_laptop[0]["url"])
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == att["sha256"]
    # The laptop may upload to the contact's conversation and send it too.
    uploaded(upload(files, laptop, fixture("note.txt")))

    stranger = signed_in(files, secret, new_sub())
    anonymous = chat_of(files)
    for other in (stranger, anonymous):
        path = f"/api/v1/customer/conversations/{phone.id}/messages"
        assert_error(files.get(path, session=other.session_id), 403)
        assert_error(upload(files, phone, fixture("note.txt"), session=other.session_id), 403)


def test_a_customer_uploading_to_another_conversation_is_refused_before_the_body(files):
    chat, other = chat_of(files), chat_of(files)
    path = upload_path("customer", chat.id) + "?filename=x.txt"
    status, headers, raw = head_only(files, path, {"X-Customer-Session-Id": other.session_id,
                                                   "Content-Length": str(5 * MIB)})
    assert status == 403 and b"not_your_conversation" in raw, (status, raw)
    status, headers, raw = head_only(files, path, {"Content-Length": str(5 * MIB)})
    assert status == 401 and b"missing_session" in raw, (status, raw)
    status, headers, raw = head_only(files, upload_path("agent", chat.id) + "?filename=x.txt",
                                     {"Content-Length": str(5 * MIB)})
    assert status == 401 and headers.get("www-authenticate") == "Bearer", (status, headers, raw)
    status, headers, raw = head_only(files, upload_path("customer", NO_SUCH_ID) + "?filename=x.txt",
                                     {"X-Customer-Session-Id": chat.session_id, "Content-Length": str(5 * MIB)})
    assert status == 404 and b"conversation_not_found" in raw, (status, raw)
    # And with the body: the same answers.
    assert_error(upload(files, chat, fixture("note.txt"), session=other.session_id), 403, "not_your_conversation")


def test_officer_alias_and_wrong_spellings(files):
    chat = chat_of(files)
    uploaded(agent_upload(files, files.agent.token, chat.id, fixture("note.txt"), alias="officer"))
    # Another method on the upload path is a 405 like on every other route (API.md, Conventions).
    for method in ("GET", "PUT", "DELETE"):
        got = files.request(method, upload_path("customer", chat.id), session=chat.session_id)
        assert_error(got, 405, "method_not_allowed")
        assert "POST" in got.headers.get("Allow", ""), got.headers
    got = files.post(upload_path("customer", chat.id) + "/", session=chat.session_id, data=b"x\n")
    assert_error(got, 404)


# -- switches ----------------------------------------------------------------------------------


def test_uploads_disabled_for_everyone_or_only_for_customers(files):
    chat = chat_of(files)
    token = files.agent.token
    note = fixture("note.txt")
    with attachment_settings(files, enabled=False):
        assert ok(files.get("/api/v1/customer/widget-config"))["attachments"]["enabled"] is False
        assert ok(files.get("/api/v1/agent/me", token=token))["attachments"]["enabled"] is False
        assert_error(upload(files, chat, note), 403, "attachments_disabled")
        assert_error(agent_upload(files, token, chat.id, note), 403, "attachments_disabled")
        status, _, raw = head_only(files, upload_path("customer", chat.id) + "?filename=x",
                                   {"X-Customer-Session-Id": chat.session_id, "Content-Length": str(MIB)})
        assert status == 403 and b"attachments_disabled" in raw, (status, raw)
    with attachment_settings(files, customer_uploads=False):
        assert ok(files.get("/api/v1/customer/widget-config"))["attachments"]["enabled"] is False
        assert ok(files.get("/api/v1/agent/me", token=token))["attachments"]["enabled"] is True
        assert_error(upload(files, chat, note), 403, "attachments_disabled")
        att = uploaded(agent_upload(files, token, chat.id, note))
        ok(agent_send(files, token, chat.id, [att["id"]]))
    assert ok(files.get("/api/v1/customer/widget-config"))["attachments"]["enabled"] is True
    uploaded(upload(files, chat, note))


# -- erasure ---------------------------------------------------------------------------------------


def test_erasing_a_contact_ends_its_links(files):
    chat = files.escalated_chat()
    token = files.agent.token
    data = b"only this contact ever sent these bytes " + str(time.time()).encode() + b"\n"
    mine = uploaded(upload(files, chat, data, "mine.txt"))
    ok(send(files, chat, [mine["id"]]))
    unsent = uploaded(upload(files, chat, jpeg_with_gps((20, 20)), "unsent.jpg"))
    reply = uploaded(agent_upload(files, token, chat.id, fixture("label.pdf")))
    answer = ok(agent_send(files, token, chat.id, [reply["id"]]))
    contact = answer["conversation"]["contact"]["id"]
    links = [mine["url"], unsent["url"], unsent["preview_url"], reply["url"]]
    assert all(download(files, link).status_code == 200 for link in links)
    ok(files.request("DELETE", f"/api/v1/admin/contacts/{contact}", token=files.admin.token), 204)
    for link in links:
        assert_error(download(files, link), 404, "file_not_found")
    # The bytes only this contact sent are gone from the files directory once no row uses them
    # (within the hour the sweep allows); a link to them never works again either way.


# -- the worker killed mid-upload -------------------------------------------------------------------


def test_a_worker_killed_during_a_large_upload_leaves_no_half_file(stack_factory):
    """SIGKILL while the worker stores a 60 MiB upload (seen from its open files: a path
    under the files directory, where it writes or links the file). After the restart every attachment row has its whole file (size and
    SHA-256), every link downloads exactly that, and the same bytes upload again whole."""
    s = stack_factory("files-crash")
    set_attachments(s, max_bytes=MAX_LIMIT)
    chat = s.start_chat()
    token = s.agent.token
    before = [uploaded(upload(s, chat, SizedBody(2 * MIB, seed=f"before {i}".encode()), f"b{i}.txt")) for i in range(3)]
    ok(send(s, chat, [before[0]["id"], before[1]["id"]]))

    killed = None
    for attempt in range(6):
        body = SizedBody(60 * MIB, seed=f"crash {attempt}".encode())
        pid = s.service_pid("worker")
        result: dict = {}

        def post() -> None:
            try:
                result["resp"] = upload(s, chat, body, f"crash{attempt}.txt")
            except requests.RequestException as e:
                result["error"] = e

        thread = threading.Thread(target=post, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while thread.is_alive() and time.monotonic() < deadline:
            if any("/files/" in p for p in open_paths(pid)):
                s.kill_service("worker", signal.SIGKILL)
                killed = (attempt, body)
                break
            time.sleep(0.0005)
        thread.join(60)
        if killed:
            break
        # Too quick to catch this time: it must have been stored whole.
        att = uploaded(result["resp"])
        assert att["sha256"] == body.digest()
    assert killed, "never caught the worker with an upload's file open"
    attempt, body = killed
    s.wait_restarted("worker", pid)
    resp = result.get("resp")
    if resp is not None:
        assert resp.status_code in (502, 503), (resp.status_code, resp.text[:300])
        if resp.status_code == 503:
            assert_error(resp, 503)
    print(f"\nworker {pid} killed during attempt {attempt}; the client got "
          f"{resp.status_code if resp is not None else result.get('error')!r}")

    # Every row is whole: its file has its size and SHA-256, its preview exists.
    files_dir = s.data_dir / "files"
    db = sqlite3.connect(f"file:{s.data_dir / 'switchboard.sqlite'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT id, size, sha256, has_preview, message_id FROM attachments").fetchall()
    finally:
        db.close()
    assert len(rows) >= len(before)
    for att_id, size, sha, has_preview, _ in rows:
        path = files_dir / sha[:2] / sha
        assert path.is_file(), (att_id, path)
        assert path.stat().st_size == size, (att_id, path.stat().st_size, size)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for piece in iter(lambda: f.read(MIB), b""):
                h.update(piece)
        assert h.hexdigest() == sha, att_id
        if has_preview:
            assert path.with_name(sha + ".preview").is_file(), att_id
    # Every link handed out now downloads exactly its file.
    messages = ok(s.get(f"/api/v1/agent/conversations/{chat.id}/messages", token=token))["messages"]
    carried = [a for m in messages for a in m["attachments"]]
    assert {a["id"] for a in carried} == {before[0]["id"], before[1]["id"]}
    for att in carried:
        assert streamed_digest(s, att["url"])[:3] == (200, att["size"], att["sha256"])
    # The upload that died, again: stored whole (no half file taken for it by its SHA-256).
    again = uploaded(upload(s, chat, body, "again.txt"))
    assert again["sha256"] == body.digest() and again["size"] == body.size
    assert streamed_digest(s, again["url"])[:3] == (200, body.size, body.digest())
    ok(send(s, chat, [again["id"], before[2]["id"]]))


# -- rate limits ------------------------------------------------------------------------------------


def test_many_uploads_from_one_address_hit_429(stack_factory):
    limited = stack_factory("files-ratelimits", SWITCHBOARD_RATE_LIMITS="on")
    chat = limited.start_chat()
    stored = uploaded(upload(limited, chat, b"the first\n", "first.txt"))
    statuses = [201]
    for i in range(15):
        resp = upload(limited, chat, f"file {i}\n".encode(), f"{i}.txt")
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            assert_error(resp, 429, "rate_limited")
            assert resp.headers.get("Retry-After") == "10", resp.headers
            break
    assert statuses[0] == 201 and statuses[-1] == 429, statuses
    # A limited upload is refused before its body: the head alone gets the 429.
    status, _, raw = head_only(limited, upload_path("customer", chat.id) + "?filename=x",
                               {"X-Customer-Session-Id": chat.session_id, "Content-Length": str(MIB)})
    assert status == 429 and b"rate_limited" in raw, (status, raw)
    # Downloads are not limited.
    assert [download(limited, stored["url"]).status_code for _ in range(40)] == [200] * 40
