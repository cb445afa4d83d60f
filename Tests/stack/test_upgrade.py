"""Migrations run once, before anything serves: `switchboard migrate` is the only
migrator (the worker's unit runs it as ExecStartPre=, scripts/run.sh before the seed);
the worker and the notifier check the schema and refuse any other with exit status 78
(EX_CONFIG, which the units' RestartPreventExitStatus= keeps from a restart loop) and one
stderr line naming the migrations they need and the command to run. And a database made
by the previous release (Tests/fixtures/prev-release.sqlite, made by commit 2463966's
binaries) is migrated by this build and served: its conversations, messages and
accounts read back through the API."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from stacklib import REPO, Chat, Stack, ok

FIXTURES = REPO / "Tests" / "fixtures"
EX_CONFIG = 78


def newest_migration(db: Path) -> str:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()


def migrations(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return [r[0] for r in con.execute("SELECT identifier FROM grdb_migrations ORDER BY rowid")]
    finally:
        con.close()


def run(bin_dir: Path, exe: str, data_dir: Path, run_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    env.update(SWITCHBOARD_DATA_DIR=str(data_dir), SWITCHBOARD_RUN_DIR=str(run_dir))
    return subprocess.run([str(bin_dir / exe), *args], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def behind(tmp_path):
    """A database migrated by this build, then one migration behind (its newest row deleted
    from GRDB's grdb_migrations). Returns (data dir, run dir, the missing migration, all of them)."""
    data = tmp_path / "data"
    data.mkdir()
    run_dir = Path(tempfile.mkdtemp(prefix="sb-up-", dir="/tmp"))  # unix socket paths stay short
    migrated = run(Stack.bin_dir, "switchboard", data, run_dir, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    db = data / "switchboard.sqlite"
    every = migrations(db)
    missing = every[-1]
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM grdb_migrations WHERE identifier = ?", (missing,))
    con.close()
    yield data, run_dir, missing, every
    shutil.rmtree(run_dir, ignore_errors=True)


@pytest.mark.parametrize("exe", ["switchboard-worker", "switchboard-notifier"])
def test_a_service_on_a_database_one_migration_behind_refuses_with_one_line(behind, exe):
    data, run_dir, missing, every = behind
    result = run(Stack.bin_dir, exe, data, run_dir)
    assert result.returncode == EX_CONFIG, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    db = data / "switchboard.sqlite"
    assert lines == [
        f'{exe}: the database {db} has {len(every) - 1} of {len(every)} migrations (newest: "{every[-2]}"); '
        f'this build needs "{missing}". Run: switchboard migrate'], result.stderr
    # It did not migrate, and serves nothing.
    assert newest_migration(db) == every[-2]
    assert not (run_dir / ("worker.sock" if exe == "switchboard-worker" else "notifier.sock")).exists()


def test_the_worker_unit_migrates_before_the_worker_starts(behind, tmp_path):
    """The same database under the runner: the worker's ExecStartPre= applies the missing
    migration, then the whole stack serves."""
    data, _, missing, _ = behind

    class Behind(Stack):
        seed = False  # (seed would need the schema: stackproc migrates before it)

    s = Behind("behind", tmp_path)
    s.data_dir = data
    s.env["SWITCHBOARD_DATA_DIR"] = str(data)
    # Only the unit may migrate here: start the runner without stackproc's own `migrate`.
    s.cli = lambda *args, **kw: ""  # type: ignore[method-assign]
    try:
        s.start()
        assert newest_migration(data / "switchboard.sqlite") == missing
        log = (s.run_dir / "worker.log").read_text()
        assert re.search(r"ExecStartPre: \S+/switchboard migrate\n", log), log
        assert f"applied {missing}" in log, log
        assert log.index(f"applied {missing}") < log.index("starts worker"), log
        assert ok(s.get("/api/v1/health"))["database"] == "ok"
    finally:
        assert s.stop() == 0, s.logs()
        shutil.rmtree(s.run_dir, ignore_errors=True)


def test_a_database_of_the_previous_release_is_migrated_and_served(tmp_path):
    manifest = json.loads((FIXTURES / "prev-release.json").read_text())

    class Upgraded(Stack):
        seed = False  # the accounts are the old release's, passwords and all
        admin_password = manifest["admin_password"]
        agent_password = manifest["agent_password"]

    s = Upgraded("upgraded", tmp_path)
    db = s.data_dir / "switchboard.sqlite"
    shutil.copy(FIXTURES / "prev-release.sqlite", db)
    old = migrations(db)
    migrated = s.cli("migrate")
    new = migrations(db)
    assert new[:len(old)] == old, "a shipped migration was renamed or reordered"
    for identifier in new[len(old):]:
        assert f"applied {identifier}" in migrated, migrated
    s.start()
    try:
        # The shopper's view of each old conversation, by its old session id.
        for conv in manifest["conversations"]:
            chat = Chat(conv["id"], conv["customer_session_id"], {})
            assert s.customer_conversation(chat)["status"] == conv["status"]
            got = [[m["sender_type"], m["content"]] for m in s.all_customer_messages(chat)]
            assert got == conv["messages"], (conv["id"], got)
        # The agents' view, with the old accounts' passwords.
        admin = s.admin
        listed = {c["id"] for c in ok(s.get("/api/v1/agent/conversations?assigned=any&limit=50",
                                             token=admin.token))["items"]}
        assert {c["id"] for c in manifest["conversations"]} <= listed, listed
        answered = next(c for c in manifest["conversations"] if c["status"] == "agent")
        agent = s.agent
        messages = ok(s.get(f"/api/v1/agent/conversations/{answered['id']}/messages", token=agent.token))["messages"]
        assert [[m["sender_type"], m["content"]] for m in messages] == answered["messages"]
        # And it takes new writes.
        reply = ok(s.post(f"/api/v1/agent/conversations/{answered['id']}/messages", token=agent.token,
                          json={"content": "Written after the upgrade"}))
        chat = Chat(answered["id"], answered["customer_session_id"], {})
        assert s.all_customer_messages(chat)[-1]["id"] == reply["message"]["id"]
    finally:
        assert s.stop() == 0, s.logs()
        shutil.rmtree(s.run_dir, ignore_errors=True)
