"""Files and images (issue 22) on the real stack: a shopper in the demo shop's
widget attaches a picture (made here), sees its upload's progress bar and then
its preview in the conversation; the agent, signed in to the console, sees it in
the timeline and sends a PDF back (bytes written here); the shopper sees the
file's chip, and its link downloads those very bytes. Both pages are checked
with axe-core, and screenshots are taken of the widget (wide 1280×800 and
narrow 375×700) and of the console's timeline."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image, ImageDraw
from selenium.webdriver.common.by import By

from conftest import ignored, resize
from pages import asking_for_a_person, shot, wait_for

A = "/api/v1/agent"

# A tiny PDF that readers open: one page saying "Invoice 1042" (the xref offsets are counted below).
PDF_OBJECTS = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    b"<< /Length 42 >>\nstream\nBT /F1 18 Tf 36 72 Td (Invoice 1042) Tj ET\nendstream",
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
]


def pdf_bytes() -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(PDF_OBJECTS, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(PDF_OBJECTS) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(PDF_OBJECTS) + 1, xref)
    return bytes(out)


def picture(width: int = 900, height: int = 600) -> bytes:
    """A PNG made here: a broken mug on a table (something to look at in the screenshots),
    under a little noise, so that it does not compress to nothing and its upload lasts."""
    base = Image.new("RGB", (width, height), (236, 222, 204))
    draw = ImageDraw.Draw(base)
    draw.rectangle((0, height * 0.68, width, height), fill=(160, 118, 82))
    draw.rounded_rectangle((310, 170, 560, 430), radius=28, fill=(48, 86, 211))
    draw.ellipse((530, 230, 650, 360), outline=(48, 86, 211), width=26)
    draw.polygon([(420, 170), (470, 260), (430, 300), (480, 430), (455, 430), (405, 300), (445, 260), (398, 170)], fill=(236, 222, 204))
    noise = Image.effect_noise((width, height), 60).convert("RGB")
    out = io.BytesIO()
    Image.blend(base, noise, 0.12).save(out, "PNG")
    return out.getvalue()


# Every progress bar the widget's tray shows, with each value it takes: recorded in the page
# as it happens, so that an upload quicker than a glance is still seen to have had one.
WATCH_PROGRESS = """
window.__bars = [];
new MutationObserver((records) => {
  for (const r of records) {
    const bars = r.type === 'attributes' ? [r.target] : [...r.addedNodes].flatMap((n) => n.querySelectorAll ? [...n.querySelectorAll('[role=progressbar]')] : []);
    for (const bar of bars) {
      if (bar.getAttribute('role') !== 'progressbar') continue;
      window.__bars.push({label: bar.getAttribute('aria-label'), now: Number(bar.getAttribute('aria-valuenow')),
                          shown: bar.getBoundingClientRect().width > 0});
    }
  }
}).observe(document.getElementById('tray'), {subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow']});
"""


@pytest.fixture
def closing(stack):
    """Closes the chats a test gives it at its end (the seeded agent should hold none after)."""
    chats: list[str] = []
    yield chats
    admin = stack.login("admin", stack.admin_password)
    for conv_id in chats:
        stack.http.post(stack.url(f"{A}/conversations/{conv_id}/close"), headers={"Authorization": f"Bearer {admin}"}, timeout=15)


def test_an_image_from_the_shopper_and_a_pdf_from_the_agent(stack, shopper, console, closing, tmp_path):
    png = tmp_path / "broken-mug.png"
    png.write_bytes(picture())
    big = tmp_path / "unboxing.png"
    big.write_bytes(picture(1800, 1200))
    pdf = tmp_path / "invoice-1042.pdf"
    pdf.write_bytes(pdf_bytes())

    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "My mug arrived broken.")
    closing.append(conv_id)
    agent = console(1280, 800)
    agent.wait_item(conv_id)
    agent.open(conv_id)
    agent.claim()

    # The shopper attaches the picture: its name, size and a progress bar, then "Ready to send".
    d = shop.d
    shop.enter_frame()
    assert d.find_element(By.ID, "attach").get_attribute("aria-label") == "Attach a file"
    d.execute_script(WATCH_PROGRESS)
    # Uploads slowed to ~400 KB/s, as on a phone: the bar is there to be seen.
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.emulateNetworkConditions",
                      {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": 400 * 1024})
    shop.attach(str(png))
    [item] = shop.wait_tray(lambda t: len(t) == 1, "listed")
    assert item["name"] == "broken-mug.png"
    assert item["status"] in ("uploading", "ready"), item
    shop.wait_tray(lambda t: t and t[0]["status"] == "ready", "uploaded")
    bars = d.execute_script("return window.__bars")
    assert bars and all(b["label"] == "Uploading broken-mug.png" and 0 <= b["now"] <= 100 for b in bars), bars
    assert any(b["shown"] for b in bars), f"the progress bar was never laid out: {bars}"
    assert [b["now"] for b in bars] == sorted(b["now"] for b in bars), f"progress went backwards: {bars}"
    [item] = shop.tray()
    assert item["detail"].endswith(" · Ready to send") and ("KB" in item["detail"] or "MB" in item["detail"]), item
    assert item["progress"] is None and item["button"] == "Remove broken-mug.png"

    # A second file, cancelled on its way: it goes, and nothing of it is sent.
    shop.attach(str(big))
    shop.wait_tray(lambda t: len(t) == 2, "two")
    cancel = d.find_elements(By.CSS_SELECTOR, "#tray li.tray-item")[1].find_element(By.TAG_NAME, "button")
    was = cancel.get_attribute("aria-label")
    cancel.click()
    shop.wait_tray(lambda t: [i["name"] for i in t] == ["broken-mug.png"], "down to the picture again")
    assert was in ("Cancel the upload of unboxing.png", "Remove unboxing.png"), was
    d.execute_cdp_cmd("Network.emulateNetworkConditions",
                      {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})

    # Files alone are a message: sent with the send button, shown with its preview.
    shop.press_send()
    wait_for(d, lambda: any(f["kind"] == "image" and f["loaded"] for m in shop.thread() if m["sender"] == "customer"
                            for f in m["files"]), f"the picture's preview never showed: {shop.thread()!r}")
    mine = [m for m in shop.thread() if m["files"]][-1]
    assert mine["text"] == "" and mine["status"] == "sent"
    [image] = mine["files"]
    assert image["name"] == "broken-mug.png"
    assert shop.tray() == []
    link = d.find_element(By.CSS_SELECTOR, "#log a.att-image")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel").split()
    # The whole file behind the preview: a PNG the size it was sent.
    whole = requests.get(image["href"], timeout=15)
    assert whole.status_code == 200 and whole.headers["Content-Type"] == "image/png", whole.headers
    assert Image.open(io.BytesIO(whole.content)).size == (900, 600)
    # A link that has lapsed (links last 15 minutes; the page sat there): a click on the picture
    # reads the messages again and opens the whole file by its fresh link, in a new tab.
    d.execute_script("""const a = arguments[0];
      a.attachment = {...a.attachment, url_expires_at: '2020-01-01T00:00:00.000Z'};
      a.href = a.href.replace(/sig=[^&]+/, 'sig=lapsed');""", link)
    home, before = d.current_window_handle, set(d.window_handles)
    link.click()
    wait_for(d, lambda: set(d.window_handles) - before, "no tab opened for the picture")
    [tab] = set(d.window_handles) - before
    d.switch_to.window(tab)
    wait_for(d, lambda: "/api/v1/files/" in d.current_url, f"the tab never went to the file: {d.current_url}")
    assert "sig=lapsed" not in d.current_url, "the lapsed link was followed"
    again = requests.get(d.current_url, timeout=15)
    assert again.status_code == 200 and again.headers["Content-Type"] == "image/png", again.headers
    d.close()
    d.switch_to.window(home)
    # Chromium's own image viewer styles its page inline, which the file's CSP (default-src 'none';
    # sandbox) refuses: reported to the lead; nothing else may have gone wrong meanwhile.
    logged = [e["message"] for e in d.get_log("browser") if e.get("level") == "SEVERE" or "Content Security Policy" in e["message"]]
    unexpected = [m for m in logged if not ("/api/v1/files/" in m and "Applying inline style" in m) and not ignored(m)]
    assert not unexpected, unexpected
    shop.in_frame = False
    shop.enter_frame()
    assert "sig=lapsed" not in link.get_attribute("href"), "the link on the page was not renewed"

    stored = stack.customer_messages(conv_id, shop.session()["sessionId"])
    assert [a["filename"] for m in stored for a in m.get("attachments", [])] == ["broken-mug.png"], "the cancelled file was sent"

    # The console: the picture in the timeline.
    wait_for(agent.d, lambda: any(f["kind"] == "image" and f["loaded"] and f["name"] == "broken-mug.png"
                                  for m in agent.thread() for f in m["files"]),
             f"the console never showed the picture: {agent.thread()!r}")

    # The agent sends the invoice back, with a word.
    agent.attach(str(pdf))
    wait_for(agent.d, lambda: [i["status"] for i in agent.tray()] == ["ready"], f"the PDF never uploaded: {agent.tray()!r}")
    agent.reply("Here is your invoice; a new mug is on its way.")
    sent = [m for m in agent.thread() if m["text"] == "Here is your invoice; a new mug is on its way."][-1]
    assert [(f["kind"], f["name"]) for f in sent["files"]] == [("file", "invoice-1042.pdf")]

    # The shopper sees the chip: its name, type and size; its link downloads the very bytes.
    shop.wait_text("Here is your invoice; a new mug is on its way.", "agent")
    reply = [m for m in shop.thread() if m["text"] == "Here is your invoice; a new mug is on its way."][-1]
    [chip] = reply["files"]
    assert chip["kind"] == "file" and chip["name"] == "invoice-1042.pdf"
    assert chip["detail"].startswith("PDF · ") and ("bytes" in chip["detail"] or "KB" in chip["detail"]), chip
    download = requests.get(chip["href"], timeout=15)
    assert download.status_code == 200, download.text
    assert download.content == pdf.read_bytes()
    assert download.headers["Content-Type"].startswith("application/pdf")
    assert download.headers["Content-Disposition"].startswith("attachment"), download.headers

    # Screenshots (axe-core clean): the widget wide and narrow, with the picture and the file.
    shop.shot("attachments-widget-wide", "#log a.att-file", "invoice-1042.pdf")
    resize(d, 375, 700)
    shop.enter_frame()
    d.execute_script("document.getElementById('scroller').scrollTop = 1e6")
    shop.shot("attachments-widget-narrow", "#log a.att-file", "invoice-1042.pdf")

    # The console's timeline, both files in it.
    agent.d.execute_script("document.querySelector('#conv-log a.att-image').scrollIntoView({block: 'start'})")
    shot(agent.d, "attachments-console-timeline", "#conv-log a.att-file", "invoice-1042.pdf")

    # On a phone, in the dark: the timeline and a file waiting in the reply box.
    resize(agent.d, 375, 700)
    agent.d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    agent.attach(str(pdf))
    wait_for(agent.d, lambda: [i["status"] for i in agent.tray()] == ["ready"], f"the PDF never uploaded: {agent.tray()!r}")
    agent.d.execute_script("document.getElementById('conv-scroll').scrollTop = 1e6")
    shot(agent.d, "attachments-console-narrow-dark", "#reply-tray", "Ready to send")
    agent.d.find_element(By.CSS_SELECTOR, "#reply-tray li.tray-item button").click()
    wait_for(agent.d, lambda: agent.tray() == [], "the file stayed in the reply box")


def test_the_widget_refuses_a_file_over_the_limit_in_words(stack, shopper, closing, tmp_path):
    """widget-config's max_bytes, checked before anything is sent: the file's size and the limit,
    beside a file that is ready (a screenshot of the files waiting, on a phone)."""
    config = requests.get(stack.url("/api/v1/customer/widget-config"), timeout=15).json()["attachments"]
    assert config["enabled"] is True, config
    huge = tmp_path / "holiday.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (config["max_bytes"] + 4 * 1024 * 1024))
    shop = shopper(1280, 800)
    conv_id = asking_for_a_person(stack, shop, "Can I send you a photo?")
    closing.append(conv_id)
    shop.enter_frame()
    shop.d.execute_script("window.__uploads = 0; const send = XMLHttpRequest.prototype.send;"
                          "XMLHttpRequest.prototype.send = function (b) { window.__uploads += 1; return send.call(this, b); };")
    shop.attach(str(huge))
    [item] = shop.wait_tray(lambda t: len(t) == 1 and t[0]["status"] == "failed", "refused")
    limit_mb = config["max_bytes"] // (1024 * 1024)
    assert item["detail"] == f"That file is {limit_mb + 4} MB; the limit is {limit_mb} MB.", item
    assert shop.d.execute_script("return window.__uploads") == 0, "the file was sent all the same"
    assert not shop.d.find_element(By.ID, "send").is_enabled(), "a refused file makes no message"

    png = tmp_path / "receipt.png"
    png.write_bytes(picture(600, 400))
    shop.attach(str(png))
    shop.wait_tray(lambda t: [i["status"] for i in t] == ["failed", "ready"], "a refused file and a ready one")
    resize(shop.d, 375, 700)
    shop.shot("attachments-widget-tray-narrow", "#tray", "the limit is")
    shop.enter_frame()
    for _ in range(2):
        shop.d.find_elements(By.CSS_SELECTOR, "#tray li.tray-item button")[0].click()
    shop.wait_tray(lambda t: t == [], "emptied")
    assert shop.d.switch_to.active_element.get_attribute("id") == "input", "the focus went nowhere when the files went"


def test_no_paperclip_while_the_shop_takes_no_files(stack, shopper, console, closing):
    """Attachments switched off in the settings: neither the widget nor the console offers files."""
    admin = stack.login("admin", stack.admin_password)
    stack.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"attachments": {"enabled": False}})
    try:
        assert requests.get(stack.url("/api/v1/customer/widget-config"), timeout=15).json()["attachments"]["enabled"] is False
        shop = shopper(1280, 800)
        conv_id = asking_for_a_person(stack, shop, "Can I send a photo of the tent?")
        closing.append(conv_id)
        shop.enter_frame()
        assert shop.d.find_element(By.ID, "input").is_displayed()
        assert not shop.d.find_element(By.ID, "attach").is_displayed(), "the widget offers files the shop does not take"
        agent = console(1280, 800)
        agent.wait_item(conv_id)
        agent.open(conv_id)
        agent.claim()
        assert agent.d.find_element(By.ID, "reply").is_enabled()
        assert not agent.d.find_element(By.ID, "reply-attach").is_displayed(), "the console offers files the shop does not take"
    finally:
        stack.agent_call("PATCH", "/api/v1/admin/settings", admin, json={"attachments": {"enabled": True}})
