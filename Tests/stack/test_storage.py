"""Storage failures and backups, on real SQLite files under a real stack.

Disk full: the stack's data directory is a small tmpfs (mounted here; needs
root with CAP_SYS_ADMIN) that the test fills up. Where mounting is not
permitted (an unprivileged container), the same test runs with the worker's
RLIMIT_FSIZE lowered to 0 instead (prlimit on its pid; SIGXFSZ ignored through
a wrapper in a bin dir of its own), which makes every write of the worker fail
with EFBIG: SQLite's I/O error instead of its "disk full", the same 503.
SWITCHBOARD_TEST_DISK_FULL=tmpfs|rlimit picks one.

Either way: writes get a JSON 503 `storage_unavailable` with Retry-After,
reads go on, nothing stored before is damaged, and once space returns the same
worker (no restart) stores again, retried client_message_ids exactly once.

Backup under load: `switchboard backup` while writers run gives a file that
passes integrity_check, holds every message acknowledged before the backup
began, and serves as a stack's database after a restore."""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from stacklib import Stack, assert_error, ok

TMPFS_SIZE = "24m"


# -- disk full ------------------------------------------------------------------------


def can_mount_tmpfs(where: Path) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)], capture_output=True,
                          timeout=30).returncode:
            return False
    except (OSError, subprocess.SubprocessError):
        return False
    subprocess.run(["umount", str(where)], check=True, timeout=30)
    return True


class TmpfsMedium:
    """The data dir is a tmpfs of its own; full = a filler file takes every free page."""

    name = "tmpfs"

    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self, data_dir: Path) -> dict:
        data_dir.mkdir(parents=True, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(data_dir)], check=True)
        self.data_dir = data_dir
        self.filler = data_dir / "filler"
        return {}

    def fill(self, stack: Stack) -> None:
        chunk = b"\0" * 65536
        with open(self.filler, "wb", buffering=0) as f:
            for size in (65536, 4096, 512, 1):
                try:
                    while True:
                        f.write(chunk[:size])
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
        assert shutil.disk_usage(self.data_dir).free < 4096

    def free(self, stack: Stack) -> None:
        self.filler.unlink()

    def cleanup(self) -> None:
        subprocess.run(["umount", "-l", str(self.data_dir)], capture_output=True)


class RlimitMedium:
    """The worker runs through a wrapper that ignores SIGXFSZ; full = its RLIMIT_FSIZE is 0."""

    name = "rlimit"

    def __init__(self, root: Path) -> None:
        self.root = root

    def prepare(self, data_dir: Path) -> dict:
        bins = self.root / "rlimit-bin"
        bins.mkdir(parents=True, exist_ok=True)
        real = Stack.bin_dir
        for entry in real.iterdir():
            if entry.name != "switchboard-worker" and not (bins / entry.name).exists():
                (bins / entry.name).symlink_to(entry)
        wrapper = bins / "switchboard-worker"
        wrapper.write_text(f"#!/bin/sh\ntrap '' XFSZ\nexec '{real / 'switchboard-worker'}' \"$@\"\n")
        wrapper.chmod(0o755)
        return {"bin_dir": bins}

    def fill(self, stack: Stack) -> None:
        pid = stack.service_pid("worker")
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (0, hard))

    def free(self, stack: Stack) -> None:
        pid = stack.service_pid("worker")
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))

    def cleanup(self) -> None:
        pass


@pytest.fixture
def full_disk_stack(tmp_path_factory):
    """A stack whose data dir can be made full (see the module's docstring); stopped and
    unmounted at the end."""
    root = tmp_path_factory.mktemp("diskfull")
    choice = os.environ.get("SWITCHBOARD_TEST_DISK_FULL") or ("tmpfs" if can_mount_tmpfs(root / "probe") else "rlimit")
    medium = TmpfsMedium(root) if choice == "tmpfs" else RlimitMedium(root)
    extra = medium.prepare(root / "stack")
    s = Stack("stack", root)
    if "bin_dir" in extra:
        s.bin_dir = extra["bin_dir"]
        s.env["SWITCHBOARD_BIN_DIR"] = str(extra["bin_dir"])
    s.output_path = root / "stack.out"  # not on the medium that fills up
    try:
        s.start()
        yield s, medium
    finally:
        if s.proc is not None and s.returncode is None:
            code = s.stop(signal.SIGTERM)
            assert code == 0, s.logs()
        medium.cleanup()
        shutil.rmtree(s.run_dir, ignore_errors=True)


def send(s: Stack, chat, cmid: str) -> requests.Response:
    return s.post(f"/api/v1/customer/conversations/{chat.id}/messages", session=chat.session_id,
                  json={"content": f"text of {cmid}", "client_message_id": cmid})


def test_a_full_disk_is_a_503_and_the_desk_resumes_when_space_returns(full_disk_stack):
    s, medium = full_disk_stack
    chat = s.escalated_chat()
    waiting = s.start_chat()  # escalated while the disk is full
    for i in range(5):
        ok(send(s, chat, f"before-{i}"))
    before = s.all_customer_messages(chat)
    worker = s.service_pid("worker")

    medium.fill(s)
    # Until SQLite needs a new page (its WAL may still have room), a write can succeed; then
    # every write is refused. Send until ten in a row were refused.
    answers: dict[str, requests.Response] = {}
    refused_in_a_row, i = 0, 0
    while refused_in_a_row < 10:
        assert i < 2000, "the writes never failed: the disk is not full"
        r = send(s, chat, f"full-{i}")
        answers[f"full-{i}"] = r
        refused_in_a_row = refused_in_a_row + 1 if r.status_code != 200 else 0
        i += 1
    refused = [cmid for cmid, r in answers.items() if r.status_code != 200]
    for cmid, r in answers.items():
        if r.status_code != 200:
            body = assert_error(r, 503, "storage_unavailable")
            assert set(body) == {"detail", "code"}, body
            assert r.headers.get("Retry-After", "").isdigit(), r.headers
    # Other writes too: a new conversation, an escalation, an agent's login.
    assert_error(s.post("/api/v1/customer/conversations/start", json={}), 503, "storage_unavailable")
    assert_error(s.post(f"/api/v1/customer/conversations/{waiting.id}/escalate", session=waiting.session_id),
                 503, "storage_unavailable")
    assert_error(s.post("/api/v1/agent/auth/login", json={"username": "agent", "password": s.agent_password}),
                 503, "storage_unavailable")
    # Reads go on.
    assert s.all_customer_messages(chat)[: len(before)] == before
    assert s.health()[0] == 200

    medium.free(s)
    # The same worker stores again, by itself: the refused ids once each, when retried.
    deadline = time.monotonic() + 15
    for cmid, r in answers.items():
        if r.status_code == 200:
            continue
        while (again := send(s, chat, cmid)).status_code != 200:
            assert_error(again, 503, "storage_unavailable")
            assert time.monotonic() < deadline, "no write succeeded after space returned"
            time.sleep(0.2)
        answers[cmid] = again
    ok(send(s, chat, "after"))
    ok(s.post("/api/v1/customer/conversations/start", json={}))
    s.login("agent", s.agent_password)
    assert s.service_pid("worker") == worker, "the worker was restarted"

    stored = s.all_customer_messages(chat)
    assert stored[: len(before)] == before, "a message stored before the disk filled changed"
    customer = [m for m in stored if m["sender_type"] == "customer"]
    by_cmid = {m["client_message_id"]: m for m in customer}
    assert len(by_cmid) == len(customer), "a client_message_id stored twice"
    for cmid, r in answers.items():
        assert by_cmid[cmid]["id"] == r.json()["customer_message"]["id"], cmid
    assert set(by_cmid) == {f"before-{i}" for i in range(5)} | set(answers) | {"after"}

    assert s.stop(signal.SIGTERM) == 0, s.logs()
    con = sqlite3.connect(s.data_dir / "switchboard.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        con.close()
    print(f"\ndisk full by {medium.name}: {len(answers) - len(refused)} writes still fit, {len(refused)} refused")


# -- backup under load ------------------------------------------------------------------


def test_backup_under_load_restores_everything_acknowledged_before_it(stack_factory, tmp_path):
    s = stack_factory("backup-load")
    chats = [s.escalated_chat() for _ in range(4)]
    lock = threading.Lock()
    acked: dict[str, float] = {}  # client_message_id -> when its 2xx arrived
    stop = threading.Event()

    def writer(k: int) -> None:
        chat, http = chats[k], requests.Session()
        url = s.url(f"/api/v1/customer/conversations/{chat.id}/messages")
        i = 0
        while not stop.is_set():
            cmid = f"w{k}-{i}"
            r = http.post(url, headers={"X-Customer-Session-Id": chat.session_id},
                          json={"content": "x" * 500, "client_message_id": cmid}, timeout=15)
            if r.status_code == 200:
                with lock:
                    acked[cmid] = time.monotonic()
                i += 1

    threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(len(chats))]
    for t in threads:
        t.start()
    try:
        time.sleep(2.0)
        began = time.monotonic()
        with lock:
            before = set(acked)
        backup = tmp_path / "backup.sqlite"
        s.cli("backup", str(backup))
        took = time.monotonic() - began
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    with lock:
        during = [c for c, at in acked.items() if at > began]
    assert before and during, "the writers did not run before and during the backup"

    con = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        in_backup = {row[0] for row in con.execute("SELECT client_message_id FROM messages WHERE client_message_id IS NOT NULL")}
    finally:
        con.close()
    assert before <= in_backup, f"acknowledged before the backup but missing: {sorted(before - in_backup)[:10]}"
    print(f"\nbackup took {took:.2f}s under load; {len(before)} acknowledged before it, "
          f"{len(during)} while it ran, {len(in_backup)} in the file")

    # Restore: the backup becomes the database of another stack, which serves it.
    restored_dir = s.data_dir.parent / "backup-restored"
    restored_dir.mkdir()
    shutil.copy(backup, restored_dir / "switchboard.sqlite")
    r = stack_factory("backup-restored")
    found = set()
    for chat in chats:
        found |= {m["client_message_id"] for m in r.all_customer_messages(chat) if m["client_message_id"]}
    assert before <= found
    assert found == in_backup


def test_a_backup_is_readable_by_its_owner_only(stack, tmp_path):
    """The file holds every chat and the credential hashes, like the database (0600)."""
    target = tmp_path / "private.sqlite"
    stack.cli("backup", str(target))
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode & 0o077 == 0, f"backup written with mode {oct(mode)}"
