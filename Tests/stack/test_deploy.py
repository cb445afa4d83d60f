"""deploy/: the systemd units pass `systemd-analyze verify`, carry the sandbox
docs/OPERATIONS.md promises and the supervision policy the stack tests exercise (they run
these very files through scripts/units.py: readiness, the migration before the worker,
the backoff, no restart on exit 78); and the one nginx template, rendered by the one
renderer in production mode (TLS, a self-signed certificate), serves a real worker and
notifier, redirects plain HTTP, has no demo shop and the same locations as the
development rendering, and a rendering nginx rejects leaves the last good config.
Skipped where systemd-analyze or openssl is missing."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from stackproc import free_port
from stacklib import REPO, Stack
from units import load_unit, read_environment_file, start_order

DEPLOY = REPO / "deploy"
UNITS = ["switchboard-worker.service", "switchboard-notifier.service", "switchboard-nginx.service"]
RENDER = REPO / "scripts" / "render-nginx.sh"


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


POLICY = {"Restart": ["always"], "RestartSec": ["250ms"], "RestartSteps": ["4"], "RestartMaxDelaySec": ["4s"],
          "StartLimitIntervalSec": ["0"]}


@pytest.mark.parametrize("name", UNITS[:2])
def test_service_units_are_sandboxed_ready_when_they_say_and_always_restarted(name):
    u = unit_settings(name)
    expected = {
        **POLICY, "RestartPreventExitStatus": ["78"], "Type": ["notify"], "NotifyAccess": ["main"],
        "User": ["switchboard"], "Group": ["switchboard"],
        "EnvironmentFile": ["/etc/switchboard/switchboard.env"],
        "ProtectSystem": ["strict"], "ReadWritePaths": ["/var/lib/switchboard /run/switchboard"],
        "PrivateTmp": ["yes"], "NoNewPrivileges": ["yes"], "ProtectHome": ["yes"],
        "StateDirectory": ["switchboard"], "StateDirectoryMode": ["0700"],
        "RuntimeDirectory": ["switchboard"], "RuntimeDirectoryMode": ["0700"], "RuntimeDirectoryPreserve": ["yes"],
        "UMask": ["0077"], "SystemCallFilter": ["@system-service"], "CapabilityBoundingSet": [""],
    }
    wrong = {k: (u.get(k), v) for k, v in expected.items() if u.get(k) != v}
    assert not wrong, wrong
    assert u["ExecStart"] == [f"/opt/switchboard/bin/{name.removesuffix('.service')}"]
    # The one migrator runs before the worker, never before the notifier (it runs after the worker).
    assert u.get("ExecStartPre") == (["/opt/switchboard/bin/switchboard migrate"] if "worker" in name else None)


def test_the_nginx_unit_renders_its_config_before_every_start_and_on_reload():
    u = unit_settings("switchboard-nginx.service")
    render = "/opt/switchboard/scripts/render-nginx.sh /run/switchboard-nginx/nginx.conf"
    assert u["ExecStartPre"] == [render]
    assert u["ExecStart"] == ["/usr/sbin/nginx -c /run/switchboard-nginx/nginx.conf "
                              "-e /var/log/switchboard/nginx-error.log"]
    assert u["ExecReload"] == [render, "/bin/kill -HUP $MAINPID"]
    assert u["KillSignal"] == ["SIGQUIT"] and u["EnvironmentFile"] == ["/etc/switchboard/switchboard.env"]
    assert {k: u.get(k) for k in POLICY} == POLICY


def test_the_runner_applies_every_key_of_the_shipped_units_in_their_order():
    units = [load_unit(DEPLOY / "systemd" / name) for name in UNITS]  # raises on a key it does not know
    assert [u.name for u in start_order(units)] == ["worker", "notifier", "nginx"]


def systemd_version() -> int:
    out = subprocess.run(["systemctl", "--version"], capture_output=True, text=True).stdout
    m = re.match(r"systemd (\d+)", out)
    return int(m.group(1)) if m else 0


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    if not Path("/usr/sbin/nginx").exists():
        pytest.skip("/usr/sbin/nginx (the nginx unit's ExecStart) is not installed")
    # The binaries and scripts are not in /opt/switchboard here: point at the ones under test.
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/switchboard/bin/", f"{Stack.bin_dir}/")
        (tmp_path / name).write_text(text.replace("/opt/switchboard/scripts/", f"{REPO}/scripts/"))
    result = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    complaints = result.stderr.strip().splitlines()
    if systemd_version() < 254:
        # Older systemd (Debian 12 has 252) does not know the backoff keys: it warns and
        # restarts at the fixed RestartSec (install.sh adds RestartSec=1s there).
        complaints = [c for c in complaints
                      if not re.search(r"Unknown key (name )?'(RestartSteps|RestartMaxDelaySec)'", c)]
    assert not complaints, result.stderr


def https_get(port: int, path: str, headers: dict | None = None, method: str = "GET", body=None):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_production_nginx_config_serves_the_stack_over_tls(stack_factory, tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    s = stack_factory("deploy")  # a worker and a notifier (and development nginx) to serve
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=chat.test",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    https_port, http_port = free_port({s.port, s.shop_port}), free_port({s.port, s.shop_port})
    logs, run = tmp_path / "log", tmp_path / "run"
    logs.mkdir()
    run.mkdir()
    # What switchboard-nginx.service gives the renderer: its EnvironmentFile= (read as
    # systemd reads it) and its Environment= (here with test paths instead of /run and /var/log).
    env_file = tmp_path / "switchboard.env"
    env_file.write_text("\n".join([
        "SWITCHBOARD_DATA_DIR=" + str(s.data_dir),
        "SWITCHBOARD_RUN_DIR=" + str(s.run_dir),
        "SWITCHBOARD_SERVER_NAME=chat.test",
        f"SWITCHBOARD_TLS_CERT={cert}", f"SWITCHBOARD_TLS_KEY={key}",
        'SWITCHBOARD_WIDGET_ORIGINS="https://shop.test https://www.shop.test"',
        f"SWITCHBOARD_HTTPS_PORT={https_port}", f"SWITCHBOARD_HTTP_PORT={http_port}",
        "SWITCHBOARD_RATE_LIMITS=on", "",
    ]))
    env = {"PATH": "/usr/bin:/bin:/usr/sbin", **read_environment_file(env_file),
           "SWITCHBOARD_NGINX_RUN_DIR": str(run), "SWITCHBOARD_NGINX_LOG_DIR": str(logs)}
    conf = tmp_path / "nginx.conf"
    rendered = subprocess.run([str(RENDER), str(conf)], env=env, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    text = conf.read_text()
    assert "static/shop" not in text and "8081" not in text, "the demo shop is in the production config"
    assert f'ssl_certificate     "{cert}"' in text and "Strict-Transport-Security" in text
    assert f'unix:{s.run_dir}/worker.sock' in text and f'pid "{run}/nginx.pid"' in text
    assert f'access_log "{logs}/nginx-access.log"' in text
    # Workers run as the owner of the sockets' directory (in production the switchboard user).
    owner = s.run_dir.owner()
    assert re.search(rf"^user {owner} \S+;$", text, re.M) if os.geteuid() == 0 else "# (not root" in text
    # The sites that may frame the widget are the worker's answer per page load (a setting
    # that starts as SWITCHBOARD_WIDGET_ORIGINS), not text in the config.
    assert "frame-ancestors $switchboard_frame_ancestors" in text and "auth_request /_switchboard/widget-frame;" in text
    assert "shop.test" not in text
    # One template: the production rendering has the development one's locations, no more, no less.
    dev = (s.run_dir / "nginx.conf").read_text()
    assert "server_name chat.test" not in dev and "listen 127.0.0.1:" in dev
    locations = lambda conf_text: re.findall(r"^\s*location .*\{$", conf_text, re.M)  # noqa: E731
    # (Both end with one more server: the demo shop there, with its sign-ins file, the redirect here.)
    shop_only = ["        location = /demo-identities.json {", "        location = /demo-shop.json {"]
    assert locations(text) == [loc for loc in locations(dev) if loc not in shop_only], (locations(text), locations(dev))

    args = ["nginx", "-c", str(conf), "-e", str(logs / "nginx-error.log")]
    check = subprocess.run([*args, "-t", "-q"], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", https_port), timeout=1).close()
                break
            except OSError:
                assert nginx.poll() is None, nginx.stderr.read().decode()
                assert time.monotonic() < deadline, "production nginx does not listen"
                time.sleep(0.05)
        status, headers, body = https_get(https_port, "/api/v1/health")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"
        assert headers.get("Strict-Transport-Security") == "max-age=31536000"
        assert headers.get("X-Content-Type-Options") == "nosniff"
        status, _, body = https_get(https_port, "/api/v1/customer/conversations/start", method="POST", body=b"{}",
                                    headers={"Content-Type": "application/json"})
        assert status == 200, body
        status, _, body = https_get(https_port, "/api/v1/events")
        assert status == 401 and json.loads(body)["code"] == "unauthorized", body
        status, _, body = https_get(https_port, "/agent/")
        assert status == 200 and b"<html" in body.lower()
        # Plain HTTP only redirects.
        conn = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
        conn.request("GET", "/api/v1/health?x=1")
        resp = conn.getresponse()
        assert resp.status == 301 and resp.getheader("Location") == f"https://chat.test:{https_port}/api/v1/health?x=1"
        conn.close()
    finally:
        nginx.send_signal(3)  # QUIT
        try:
            nginx.wait(timeout=20)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait()
    access = (logs / "nginx-access.log").read_text()
    assert "GET /api/v1/health" in access


def test_a_rendering_nginx_rejects_leaves_the_last_good_config(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    run_dir = tmp_path / "run"
    run_dir.mkdir(mode=0o700)
    base = {"PATH": "/usr/bin:/bin:/usr/sbin", "SWITCHBOARD_RUN_DIR": str(run_dir),
            "SWITCHBOARD_DATA_DIR": str(tmp_path)}
    conf = run_dir / "nginx.conf"
    good = subprocess.run([str(RENDER), str(conf)], env=base, capture_output=True, text=True, timeout=60)
    assert good.returncode == 0, good.stderr
    before = conf.read_text()
    # A "certificate" nginx cannot load: the renderer's nginx -t refuses the result.
    cert = tmp_path / "not-a-cert.pem"
    cert.write_text("not a certificate\n")
    bad = subprocess.run([str(RENDER), str(conf)], env={**base, "SWITCHBOARD_TLS_CERT": str(cert),
                         "SWITCHBOARD_TLS_KEY": str(cert), "SWITCHBOARD_SERVER_NAME": "chat.test"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "nginx rejects the rendered config" in bad.stderr and "left as it was" in bad.stderr, bad.stderr
    assert conf.read_text() == before
    assert [p.name for p in run_dir.iterdir() if p.name.startswith("nginx.conf")] == ["nginx.conf"]
