"""Files and images (docs/API.md "Files and images") for the stack tests: uploads from
either side (bodies streamed from generators, never held whole), sends that carry them,
downloads through the signed links, links changed after signing, the request head of an
upload sent without its body (to see a refusal come before the body is read), the
worker's memory while it works, and images made by Pillow (an image library independent
of the libvips the server uses) with the metadata the server must remove."""

from __future__ import annotations

import calendar
import hashlib
import io
import os
import socket
import threading
import time
import urllib.parse
from contextlib import contextmanager
from typing import Any, Iterator

import requests

from stacklib import REPO, Chat, ok

FIXTURES = REPO / "Tests" / "fixtures" / "files"
MIB = 1 << 20
LINK_MINUTES = 15
ATTACHMENT_FIELDS = {"id", "filename", "content_type", "size", "sha256", "width", "height", "inline", "url",
                     "url_expires_at", "preview_url"}
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
DEFAULT_SETTINGS = {"enabled": True, "customer_uploads": True, "max_bytes": 10 * MIB,
                    "allowed_types": ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf",
                                      "text/plain"]}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- bodies ------------------------------------------------------------------------------


class SizedBody:
    """`size` bytes of text (lines of `seed`), produced piece by piece: requests sends an
    iterable with a length with that Content-Length, streamed. The SHA-256 of what it
    yields is known before the upload (`digest()`), computed the same way."""

    def __init__(self, size: int, seed: bytes = b"0123456789abcde", piece: int = MIB) -> None:
        self.size = size
        line = seed[:15].ljust(15, b".") + b"\n"
        self.block = (line * (piece // 16 + 1))[:piece]
        self.sent = 0

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[bytes]:
        left = self.size
        while left > 0:
            piece = self.block[:min(left, len(self.block))]
            left -= len(piece)
            self.sent += len(piece)
            yield piece

    def digest(self) -> str:
        h = hashlib.sha256()
        left = self.size
        while left > 0:
            piece = self.block[:min(left, len(self.block))]
            h.update(piece)
            left -= len(piece)
        return h.hexdigest()


def chunked(data: bytes, piece: int = 512) -> Iterator[bytes]:
    """A body without a length: requests sends it with Transfer-Encoding: chunked."""
    for i in range(0, len(data), piece):
        yield data[i:i + piece]


# -- uploads and sends --------------------------------------------------------------------


def upload_path(side: str, conversation_id: str) -> str:
    return f"/api/v1/{side}/conversations/{conversation_id}/attachments"


def upload(stack, chat: Chat, data: Any, filename: str | None = "note.txt", *, content_type: str | None = None,
           session: str | None = None, conversation_id: str | None = None) -> requests.Response:
    """A customer's upload (the body may be bytes, a SizedBody or a generator)."""
    headers = {"Content-Type": content_type} if content_type else {}
    params = {"filename": filename} if filename is not None else None
    return stack.post(upload_path("customer", conversation_id or chat.id), session=session or chat.session_id,
                      data=data, params=params, headers=headers, timeout=120)


def agent_upload(stack, token: str, conversation_id: str, data: Any, filename: str | None = "note.txt", *,
                 content_type: str | None = None, alias: str = "agent") -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    params = {"filename": filename} if filename is not None else None
    return stack.post(upload_path(alias, conversation_id), token=token, data=data, params=params,
                      headers=headers, timeout=120)


def uploaded(resp: requests.Response) -> dict:
    """The 201 Attachment of an upload, its shape checked."""
    att = ok(resp, 201)
    check_attachment(att)
    return att


def send(stack, chat: Chat, ids: list[str], content: str | None = None) -> requests.Response:
    body: dict[str, Any] = {"attachment_ids": ids}
    if content is not None:
        body["content"] = content
    return stack.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id, json=body)


def agent_send(stack, token: str, conversation_id: str, ids: list[str], content: str | None = None) -> requests.Response:
    body: dict[str, Any] = {"attachment_ids": ids}
    if content is not None:
        body["content"] = content
    return stack.post(f"/api/v1/agent/conversations/{conversation_id}/messages", token=token, json=body)


def check_attachment(att: dict) -> None:
    """An Attachment as API.md describes it, with links valid for about 15 minutes."""
    assert set(att) == ATTACHMENT_FIELDS, sorted(att)
    assert len(att["sha256"]) == 64 and int(att["sha256"], 16) >= 0, att
    assert att["inline"] == (att["content_type"] in INLINE_TYPES), att
    image = att["content_type"] in INLINE_TYPES
    assert (att["width"] is not None) == image and (att["height"] is not None) == image, att
    assert (att["preview_url"] is not None) == image, att
    assert att["url"].startswith(f"/api/v1/files/{att['id']}?"), att["url"]
    expires = calendar.timegm(time.strptime(att["url_expires_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    left = expires - time.time()
    assert 0 < left <= (LINK_MINUTES + 2) * 60, f"url_expires_at {att['url_expires_at']} is {left:.0f} s away"
    exp = int(link_query(att["url"])["exp"])
    assert abs(exp - expires) <= 1, (exp, att["url_expires_at"])


# -- links ---------------------------------------------------------------------------------


def link_query(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def changed_link(url: str, path: str | None = None, **changes: str | None) -> str:
    """The link with its path or query members changed after signing (None drops one)."""
    parts = urllib.parse.urlsplit(url)
    query = link_query(url)
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urllib.parse.urlunsplit(("", "", path or parts.path, urllib.parse.urlencode(query), ""))


def download(stack, url: str, **headers: str) -> requests.Response:
    return stack.http.get(stack.url(url), headers=headers, timeout=120)


def streamed_digest(stack, url: str) -> tuple[int, int, str, requests.Response]:
    """Status, size and SHA-256 of a download, read in pieces (never held whole)."""
    h = hashlib.sha256()
    size = 0
    with requests.get(stack.url(url), stream=True, timeout=120) as resp:
        if resp.status_code == 200:
            for piece in resp.iter_content(MIB):
                h.update(piece)
                size += len(piece)
        return resp.status_code, size, h.hexdigest(), resp


# -- settings --------------------------------------------------------------------------------


def set_attachments(stack, **members: Any) -> dict:
    body = ok(stack.request("PATCH", "/api/v1/admin/settings", token=stack.admin.token,
                            json={"attachments": members}))
    return body["attachments"]


@contextmanager
def attachment_settings(stack, **members: Any) -> Iterator[dict]:
    """Settings.attachments changed for a block, and put back as they were."""
    before = ok(stack.get("/api/v1/admin/settings", token=stack.admin.token))["attachments"]
    try:
        yield set_attachments(stack, **members)
    finally:
        set_attachments(stack, **{k: before[k] for k in members})


# -- a request head without its body ----------------------------------------------------------


def head_only(stack, path: str, headers: dict[str, str], timeout: float = 5) -> tuple[int, dict[str, str], bytes]:
    """Sends a POST's request line and headers (a Content-Length among them) and no body,
    then reads the answer: it can only come when the server answered before reading the
    body. Raises socket.timeout when the server waits for the body instead."""
    with socket.create_connection(("127.0.0.1", stack.port), timeout=timeout) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{stack.port}", "Connection: close",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        sock.sendall("\r\n".join(lines).encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            got = sock.recv(65536)
            if not got:
                break
            raw += got
        head, _, rest = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answer_headers = {}
        for line in header_lines:
            k, _, v = line.partition(":")
            answer_headers[k.strip().lower()] = v.strip()
        length = int(answer_headers.get("content-length", "0"))
        while len(rest) < length:
            got = sock.recv(65536)
            if not got:
                break
            rest += got
        return int(status_line.split()[1]), answer_headers, rest


# -- the worker's memory -----------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (kB) of a process."""
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0])
    return values


class PeakMemory:
    """The peak resident memory of a process over a block: its high-water mark is reset
    first (writing 5 to /proc/<pid>/clear_refs, allowed for the process's own user) and read
    at the end, and VmRSS is sampled every few milliseconds meanwhile (the fallback where the
    reset is not allowed). Figures in KiB."""

    def __init__(self, pid: int, every: float = 0.005) -> None:
        self.pid = pid
        self.every = every
        self.before_kib = 0
        self.sampled_peak_kib = 0
        self.hwm_kib: int | None = None
        self.hwm_reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                self.sampled_peak_kib = max(self.sampled_peak_kib, proc_status(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return
            time.sleep(self.every)

    def __enter__(self) -> "PeakMemory":
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")
            self.hwm_reset = True
        except OSError:
            self.hwm_reset = False
        self.before_kib = proc_status(self.pid)["VmRSS"]
        self.sampled_peak_kib = self.before_kib
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        if self.hwm_reset:
            self.hwm_kib = proc_status(self.pid)["VmHWM"]

    @property
    def peak_kib(self) -> int:
        return max(self.sampled_peak_kib, self.hwm_kib or 0)

    @property
    def growth_kib(self) -> int:
        return self.peak_kib - self.before_kib

    def describe(self) -> str:
        return (f"worker {self.pid}: RSS {self.before_kib / 1024:.1f} MiB before, peak {self.peak_kib / 1024:.1f} MiB "
                f"({'VmHWM reset' if self.hwm_reset else 'sampled VmRSS'}; growth {self.growth_kib / 1024:.1f} MiB)")


def open_paths(pid: int) -> list[str]:
    """What a process's file descriptors point at (those that can still be read)."""
    paths = []
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return paths
    for fd in fds:
        try:
            paths.append(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except OSError:
            pass
    return paths


# -- images made by Pillow --------------------------------------------------------------------


GPS_IFD = 0x8825
MAKE = 0x010F
ORIENTATION = 0x0112
SECRET_MAKE = "SecretCam"


def exif_with_gps():
    from PIL import Image

    exif = Image.Exif()
    exif[MAKE] = SECRET_MAKE
    exif[GPS_IFD] = {1: "N", 2: (59.0, 54.0, 0.0), 3: "E", 4: (10.0, 45.0, 0.0)}
    return exif


def jpeg_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    from PIL import Image

    exif = exif_with_gps()
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def webp_with_gps(size: tuple[int, int] = (48, 48)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, "WEBP", exif=exif_with_gps().tobytes(), quality=80)
    return out.getvalue()


def png_with_text(text: str = "secret-text-chunk") -> bytes:
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", text)
    info.add_itxt("Description", text)
    out = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 128, 255, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


FRAME_COLOURS = ((255, 0, 0), (0, 0, 255), (0, 255, 0))


def animated(kind: str = "gif") -> bytes:
    """Three frames of 30 x 20 in three colours, 100 ms each, as an animated GIF or WebP
    (Pillow drops a frame equal to the one before, hence the colours)."""
    from PIL import Image

    frames = [Image.new("RGB", (30, 20), c) for c in FRAME_COLOURS]
    out = io.BytesIO()
    extra = {"lossless": True} if kind == "webp" else {}
    frames[0].save(out, kind.upper(), save_all=True, append_images=frames[1:], duration=100, loop=0, **extra)
    return out.getvalue()


def huge_png(width: int = 8000, height: int = 7000) -> bytes:
    """A 1-bit PNG of 56 megapixels: small on the wire, too large to decode."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def opened(data: bytes):
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    image.load()
    return image
