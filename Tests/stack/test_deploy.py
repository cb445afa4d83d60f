"""deploy/: the systemd units pass `systemd-analyze verify` and carry the
sandbox docs/OPERATIONS.md promises, and the production nginx config that
deploy/render-nginx.sh makes from the development template serves a real
worker and notifier over TLS (a self-signed certificate), redirects plain HTTP,
and has no demo shop. Skipped where systemd-analyze or openssl is missing."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
import http.client
import json
from pathlib import Path

import pytest

from stackproc import free_port
from stacklib import REPO, Stack

DEPLOY = REPO / "deploy"
UNITS = ["switchboard-worker.service", "switchboard-notifier.service", "switchboard-nginx.service"]


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


@pytest.mark.parametrize("name", UNITS[:2])
def test_service_units_are_sandboxed_and_always_restarted(name):
    u = unit_settings(name)
    expected = {
        "Restart": ["always"], "RestartSec": ["1"], "StartLimitIntervalSec": ["0"],
        "User": ["switchboard"], "Group": ["switchboard"],
        "EnvironmentFile": ["/etc/switchboard/switchboard.env"],
        "ProtectSystem": ["strict"], "ReadWritePaths": ["/var/lib/switchboard /run/switchboard"],
        "PrivateTmp": ["yes"], "NoNewPrivileges": ["yes"], "ProtectHome": ["yes"],
        "StateDirectory": ["switchboard"], "StateDirectoryMode": ["0700"],
        "RuntimeDirectory": ["switchboard"], "RuntimeDirectoryMode": ["0700"], "RuntimeDirectoryPreserve": ["yes"],
        "UMask": ["0077"],
    }
    wrong = {k: (u.get(k), v) for k, v in expected.items() if u.get(k) != v}
    assert not wrong, wrong
    assert u["ExecStart"] == [f"/opt/switchboard/bin/{name.removesuffix('.service')}"]


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed")
    # The binaries are not in /opt/switchboard here: point ExecStart at the ones under test.
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text().replace("/opt/switchboard/bin/", f"{Stack.bin_dir}/")
        (tmp_path / name).write_text(text)
    if not Path("/usr/sbin/nginx").exists():
        pytest.skip("/usr/sbin/nginx (the nginx unit's ExecStart) is not installed")
    result = subprocess.run([analyze, "verify", "--man=no", *(str(tmp_path / n) for n in UNITS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


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
    env_file = tmp_path / "switchboard.env"
    env_file.write_text("\n".join([
        "SWITCHBOARD_DATA_DIR=" + str(s.data_dir),
        "SWITCHBOARD_RUN_DIR=" + str(s.run_dir),
        "SWITCHBOARD_SERVER_NAME=chat.test",
        f"SWITCHBOARD_TLS_CERT={cert}", f"SWITCHBOARD_TLS_KEY={key}",
        'SWITCHBOARD_WIDGET_ORIGINS="https://shop.test https://www.shop.test"',
        f"SWITCHBOARD_HTTPS_PORT={https_port}", f"SWITCHBOARD_HTTP_PORT={http_port}",
        # The stack under test runs as this user (its sockets are 0600).
        "SWITCHBOARD_USER=root", "SWITCHBOARD_GROUP=root",
        f"SWITCHBOARD_NGINX_RUN_DIR={run}", f"SWITCHBOARD_NGINX_LOG_DIR={logs}",
        "SWITCHBOARD_RATE_LIMITS=on", "",
    ]))
    conf = tmp_path / "nginx.conf"
    rendered = subprocess.run([str(DEPLOY / "render-nginx.sh"), str(conf)], env={"PATH": "/usr/bin:/bin:/usr/sbin",
                              "SWITCHBOARD_ENV_FILE": str(env_file)}, capture_output=True, text=True, timeout=60)
    assert rendered.returncode == 0, rendered.stderr
    text = conf.read_text()
    assert "static/shop" not in text and "8081" not in text, "the demo shop is in the production config"
    assert f'ssl_certificate     "{cert}"' in text and "Strict-Transport-Security" in text
    assert f'unix:{s.run_dir}/worker.sock' in text and "/tmp/sb-render" not in text
    assert "frame-ancestors https://shop.test https://www.shop.test" in text

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
