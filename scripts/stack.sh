#!/usr/bin/env bash
# One Switchboard stack in the foreground: the units of deploy/systemd (worker, notifier,
# nginx) run by scripts/units.py exactly as systemd runs them in production (readiness,
# ExecStartPre=, restart backoff, stop order), configured from the SWITCHBOARD_* environment
# (docs/CONTRACTS.md; env.sh sets the defaults), binaries from $SWITCHBOARD_BIN_DIR.
#
#   SWITCHBOARD_BIN_DIR=.build/debug scripts/stack.sh
#
# Refuses to start when a stack already runs in $SWITCHBOARD_RUN_DIR. Prints
# "switchboard: serving on http://HOST:PORT" (and the pages' addresses) on stdout once
# GET /api/v1/health answers 200; if startup fails, what was started is stopped and the
# exit status is 1. A service that dies is restarted by the units' policy (0.25 s, then
# 0.5, 1, 2, 4 s); nothing gives up on its own. SIGINT/SIGTERM/SIGHUP stop nginx (QUIT),
# the notifier, then the worker; the exit status is 0 when each stopped cleanly. Logs in
# $SWITCHBOARD_RUN_DIR: stack.log, worker.log, notifier.log, nginx-error.log,
# nginx-access.log, nginx-stderr.log. The details: scripts/units.py's header.
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

for exe in switchboard switchboard-worker switchboard-notifier; do
    [[ -x $SWITCHBOARD_BIN_DIR/$exe ]] ||
        sb_die "$SWITCHBOARD_BIN_DIR/$exe not found; build first (swift build) or set SWITCHBOARD_BIN_DIR"
done
python=$(command -v python3) || sb_die "python3 not found (scripts/deps.sh installs it)"
exec "$python" "$sb_root/scripts/units.py" --units "$sb_root/deploy/systemd" --url "$sb_base_url" \
    --shop-url "$sb_shop_url"
