#!/usr/bin/env bash
# Installs (or upgrades) Switchboard as systemd services on Debian 12, as root,
# from a checkout with release binaries (docs/OPERATIONS.md):
#
#   swift build -c release --static-swift-stdlib
#   sudo deploy/install.sh                  # binaries from .build/release
#   sudo SWITCHBOARD_BIN_DIR=/path deploy/install.sh
#
# Idempotent. What it does:
#   - apt-get installs nginx-light, libfcgi0ldbl, libsqlite3-0, libcurl4, libmagic1, libvips42 when missing;
#   - creates the system user `switchboard` (no login, no home of its own);
#   - copies the binaries, static/, nginx/, the scripts it needs and the docs to
#     /opt/switchboard; installs /usr/local/bin/switchboard-admin;
#   - writes /etc/switchboard/switchboard.env from deploy/switchboard.env if there
#     is none (then stops: edit it, run again);
#   - installs the three units (with a drop-in for a systemd older than 254, which
#     ignores their restart backoff) and /etc/logrotate.d/switchboard;
#   - stops the worker and the notifier, backs the database up when there is one,
#     migrates it (`switchboard migrate`, the only migrator), starts them again;
#   - enables and starts nginx, or reloads it (its unit renders its config from the
#     template and the settings each time, checked with nginx -t).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)
bin_dir=${SWITCHBOARD_BIN_DIR:-$src/.build/release}
prefix=/opt/switchboard
etc=/etc/switchboard
env_file=$etc/switchboard.env
user=switchboard

say() { printf 'install: %s\n' "$*"; }
die() { printf 'install: %s\n' "$*" >&2; exit 1; }

((EUID == 0)) || die "run as root"
for exe in switchboard switchboard-worker switchboard-notifier; do
    [[ -x $bin_dir/$exe ]] || die "$bin_dir/$exe not found: swift build -c release --static-swift-stdlib (or set SWITCHBOARD_BIN_DIR)"
done
if ldd "$bin_dir/switchboard-worker" | grep -q 'libswiftCore.so => not found'; then
    die "the binaries need the Swift runtime, which is not installed here: build with --static-swift-stdlib"
fi

# Packages.
missing=()
for pkg in nginx-light libfcgi0ldbl libsqlite3-0 libcurl4 libmagic1 libvips42; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
had_nginx_service=0
systemctl cat nginx.service >/dev/null 2>&1 && had_nginx_service=1
if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Debian's own nginx.service would hold port 80; switchboard-nginx.service
# replaces it. Stopped only if this run installed it: otherwise it serves
# something of yours, and docs/OPERATIONS.md says how to combine them.
if ((!had_nginx_service)) && systemctl cat nginx.service >/dev/null 2>&1; then
    say "disabling Debian's nginx.service (switchboard-nginx.service serves ports 80 and 443)"
    systemctl disable --now nginx.service
elif systemctl is-active --quiet nginx.service; then
    say "WARNING: nginx.service is running; it and switchboard-nginx.service cannot both listen on 80/443"
fi

# The service user.
if ! id -u "$user" >/dev/null 2>&1; then
    say "creating the system user $user"
    useradd --system --user-group --home-dir /var/lib/switchboard --no-create-home \
        --shell /usr/sbin/nologin --comment "Switchboard live chat" "$user"
fi

# Files. `install` replaces a running binary safely (a new file, not an overwrite).
say "installing into $prefix"
install -d -m 0755 "$prefix" "$prefix/bin" "$prefix/scripts" "$prefix/deploy" "$prefix/nginx" \
    "$prefix/nginx/snippets" "$prefix/docs"
for exe in switchboard switchboard-worker switchboard-notifier; do
    install -m 0755 "$bin_dir/$exe" "$prefix/bin/$exe"
done
for bundle in "$bin_dir"/*.resources; do
    [[ -d $bundle ]] || continue
    rm -rf "$prefix/bin/$(basename "$bundle")"
    cp -R "$bundle" "$prefix/bin/"
done
rm -rf "$prefix/static.new"
cp -R "$src/static" "$prefix/static.new"
rm -rf "$prefix/static.old"
[[ -d $prefix/static ]] && mv "$prefix/static" "$prefix/static.old"
mv "$prefix/static.new" "$prefix/static"
rm -rf "$prefix/static.old"
install -m 0644 "$src/nginx/switchboard.conf.template" "$prefix/nginx/"
rm -f "$prefix/nginx/snippets/"*.conf "$prefix/deploy/render-nginx.sh"
install -m 0644 "$src/nginx/snippets/"*.conf "$prefix/nginx/snippets/"
install -m 0755 "$src/scripts/env.sh" "$src/scripts/render-nginx.sh" "$prefix/scripts/"
install -m 0755 "$here/install.sh" "$prefix/deploy/"
install -m 0644 "$src/docs/OPERATIONS.md" "$src/docs/CONTRACTS.md" "$prefix/docs/"
install -m 0755 "$here/switchboard-admin" /usr/local/bin/switchboard-admin
chmod -R u=rwX,go=rX "$prefix"

# Settings.
install -d -m 0750 -g "$user" "$etc"
if [[ ! -f $env_file ]]; then
    install -m 0640 -g "$user" "$here/switchboard.env" "$env_file"
    say "wrote $env_file: set SWITCHBOARD_SERVER_NAME, the TLS certificate and SWITCHBOARD_WIDGET_ORIGINS, then run $0 again"
    exit 0
fi
chgrp "$user" "$env_file"
chmod 0640 "$env_file"

# Units and log rotation. systemd older than 254 (Debian 12 has 252) ignores
# RestartSteps= and RestartMaxDelaySec= and would restart a crashing service every
# 0.25 s forever: there a drop-in makes that every second.
units=(switchboard-worker switchboard-notifier switchboard-nginx)
for unit in "${units[@]}"; do
    install -m 0644 "$here/systemd/$unit.service" /etc/systemd/system/
done
systemd_version=$(systemctl --version | awk 'NR == 1 { print $2 }')
for unit in "${units[@]}"; do
    dropin=/etc/systemd/system/$unit.service.d/restart-without-backoff.conf
    if ((systemd_version < 254)); then
        install -d -m 0755 "$(dirname "$dropin")"
        printf '# deploy/install.sh: systemd %s ignores RestartSteps=/RestartMaxDelaySec=.\n[Service]\nRestartSec=1s\n' \
            "$systemd_version" >"$dropin"
    else
        rm -f "$dropin"
    fi
done
install -m 0644 "$here/logrotate/switchboard" /etc/logrotate.d/switchboard
rm -f "$etc/nginx.conf" # (rendered by the unit into /run/switchboard-nginx now)
systemctl daemon-reload

# The database: made private to the service user; the services that use it stopped
# (nginx answers 503 meanwhile), backed up, migrated once by the only migrator, then
# the services started again (the worker's ExecStartPre= finds nothing left to do).
# A new worker refuses an old schema, so nothing runs on a half-upgraded database.
install -d -m 0700 -o "$user" -g "$user" /var/lib/switchboard /var/lib/switchboard/backups
systemctl stop switchboard-notifier.service switchboard-worker.service
if [[ -f /var/lib/switchboard/switchboard.sqlite ]]; then
    backup=/var/lib/switchboard/backups/before-upgrade-$(date -u +%Y%m%dT%H%M%SZ).sqlite
    say "backing up the database to $backup"
    switchboard-admin backup "$backup" >/dev/null
fi
if ! switchboard-admin migrate; then
    die "the migration failed; the services stay stopped. Back to the old release: its binaries, and ${backup:-no backup (a new database)} restored (docs/OPERATIONS.md, Restore)"
fi
systemctl enable switchboard-worker.service switchboard-notifier.service
systemctl start switchboard-worker.service switchboard-notifier.service

# nginx.
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
if [[ -r ${SWITCHBOARD_TLS_CERT:-/nonexistent} && -r ${SWITCHBOARD_TLS_KEY:-/nonexistent} ]]; then
    systemctl enable switchboard-nginx.service
    # Both render the config first and keep the running one if nginx -t rejects it.
    if systemctl is-active --quiet switchboard-nginx.service; then
        systemctl reload switchboard-nginx.service || die "nginx rejected the new config: journalctl -u switchboard-nginx"
    else
        systemctl start switchboard-nginx.service || die "nginx did not start: journalctl -u switchboard-nginx"
    fi
else
    say "no TLS certificate at SWITCHBOARD_TLS_CERT=${SWITCHBOARD_TLS_CERT:-} yet: nginx not started (see docs/OPERATIONS.md, then run $0 again)"
fi
say "done; health: curl -fsS https://${SWITCHBOARD_SERVER_NAME:-localhost}/api/v1/health"
say "first install? create the accounts: switchboard-admin seed (prints their passwords once)"
