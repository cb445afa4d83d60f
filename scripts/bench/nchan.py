"""nchan (Debian's libnginx-mod-nchan) as the ceiling of our streams: an nginx of the
bench's own with the module loaded, the same process and connection settings as the
stack's nginx (worker_processes auto, the same open-file limit and connections, the
same access log), EventSource subscribers on /sub/<channel> and a publisher on
/pub/<channel>. The events carry the name and the client_message_id ours carry, so
the same asyncio client (sse.py) times both."""

from __future__ import annotations

import json
import os
import resource
import uuid
from pathlib import Path

from .client import HTTPClient
from .common import AGENT_TEXT, perf
from .servers import NginxServer

MODULE = Path("/usr/lib/nginx/modules/ngx_nchan_module.so")
OPEN_MARKER = b": hi"  # nchan's first comment on an EventSource stream


def limits() -> tuple[int, int]:
    """worker_rlimit_nofile and worker_connections as scripts/render-nginx.sh sizes them."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    nofile = 65536 if hard == resource.RLIM_INFINITY or hard > 65536 else hard
    return nofile, (nofile - 1024 if nofile > 2048 else 1024)


class Nchan(NginxServer):
    name = "nchan"
    probe_path = "/nchan_stub_status"

    def render(self) -> str:
        if not MODULE.exists():
            raise RuntimeError(f"{MODULE} is missing: run scripts/deps.sh --bench (libnginx-mod-nchan)")
        nofile, connections = limits()
        run = self.run_dir
        # As root, workers would switch to nobody; keep them as this user (as render-nginx.sh does).
        user = f"user {_user()};" if os.getuid() == 0 else "# (not root)"
        return f"""# rendered by scripts/bench/nchan.py
load_module "{MODULE}";
{user}
worker_processes auto;
daemon off;
worker_shutdown_timeout 10s;
pid "{run}/nginx.pid";
error_log "{run}/nginx-error.log" warn;
worker_rlimit_nofile {nofile};
events {{
    worker_connections {connections};
}}
http {{
    default_type application/octet-stream;
    server_tokens off;
    log_format switchboard '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                           'rt=$request_time urt=$upstream_response_time rid=$request_id';
    access_log "{run}/nginx-access.log" switchboard;
    client_body_temp_path "{run}/nginx-temp/client_body";
    proxy_temp_path       "{run}/nginx-temp/proxy";
    fastcgi_temp_path     "{run}/nginx-temp/fastcgi";
    scgi_temp_path        "{run}/nginx-temp/scgi";
    uwsgi_temp_path       "{run}/nginx-temp/uwsgi";
    keepalive_timeout 30s;

    server {{
        listen 127.0.0.1:{self.port};
        # Streams get what is published after they subscribe (ours: live from the cursor).
        location ~ ^/sub/(\\w+)$ {{
            nchan_subscriber eventsource;
            nchan_channel_id $1;
            nchan_subscriber_first_message newest;
            nchan_eventsource_event message.created;
        }}
        location ~ ^/pub/(\\w+)$ {{
            nchan_publisher;
            nchan_channel_id $1;
        }}
        location = /nchan_stub_status {{
            nchan_stub_status;
        }}
    }}
}}
"""

    def stream_request(self, channel: str) -> bytes:
        return (f"GET /sub/{channel} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nAccept: text/event-stream\r\n"
                f"Cache-Control: no-cache\r\n\r\n").encode()


def _user() -> str:
    import grp
    import pwd
    return f"{pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name}"


class NchanPublisher:
    """Publishes one event to a channel on a keep-alive connection: the same JSON shape
    (client_message_id inside) as a message.created of ours."""

    def __init__(self, port: int) -> None:
        self.client = HTTPClient(port)

    async def publish(self, channel: str, cmid: bytes) -> tuple[float, int]:
        """(perf() before the request was written, status)."""
        # The shape and size of our message.created data (~420 bytes).
        message = {"id": str(uuid.uuid4()), "conversation_id": channel, "sender_type": "customer",
                   "sender_agent_id": None, "kind": "text", "content": AGENT_TEXT, "metadata": None,
                   "client_message_id": cmid.decode(), "created_at": "2026-11-30T09:04:27.893Z"}
        # Compact, as the worker encodes it (sse.py matches '"client_message_id":"').
        body = json.dumps({"conversation_id": channel, "message": message}, separators=(",", ":")).encode()
        t = perf()
        status, _ = await self.client.request("POST", f"/pub/{channel}", body, {"Accept": "application/json"})
        return t, status

    def close(self) -> None:
        self.client.close()
