#!/usr/bin/env bash
# Installs (or upgrades) Switchboard as systemd services on Debian 12, as root,
# from a checkout with release binaries (docs/OPERATIONS.md):
#
#   swift build -c release --static-swift-stdlib
#   sudo deploy/install.sh                  # binaries from .build/release
#   sudo SWITCHBOARD_BIN_DIR=/path deploy/install.sh
#
# Idempotent. What it does:
#   - apt-get installs nginx-light, libfcgi0ldbl, libsqlite3-0, libcurl4 when missing;
#   - creates the system user `switchboard` (no login, no home of its own);
#   - copies the binaries, static/, nginx/, the scripts it needs and the docs to
#     /opt/switchboard; installs /usr/local/bin/switchboard-admin;
#   - writes /etc/switchboard/switchboard.env from deploy/switchboard.env if there
#     is none (then stops: edit it, run again);
#   - installs the three units and /etc/logrotate.d/switchboard, migrates the
#     database (a backup first when there is one), renders
#     /etc/switchboard/nginx.conf, enables and (re)starts the services.
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
for pkg in nginx-light libfcgi0ldbl libsqlite3-0 libcurl4; do
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
install -d -m 0755 "$prefix" "$prefix/bin" "$prefix/scripts" "$prefix/deploy" "$prefix/nginx" "$prefix/docs"
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
install -m 0755 "$src/scripts/env.sh" "$src/scripts/render-nginx.sh" "$prefix/scripts/"
install -m 0755 "$here/render-nginx.sh" "$here/install.sh" "$prefix/deploy/"
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

# Units and log rotation.
install -m 0644 "$here"/systemd/switchboard-{worker,notifier,nginx}.service /etc/systemd/system/
install -m 0644 "$here/logrotate/switchboard" /etc/logrotate.d/switchboard
systemctl daemon-reload

# The database: made private to the service user; backed up, then migrated
# (the worker migrates on start as well; here a failure stops the upgrade
# while the old version still runs).
install -d -m 0700 -o "$user" -g "$user" /var/lib/switchboard /var/lib/switchboard/backups
if [[ -f /var/lib/switchboard/switchboard.sqlite ]]; then
    backup=/var/lib/switchboard/backups/before-upgrade-$(date -u +%Y%m%dT%H%M%SZ).sqlite
    say "backing up the database to $backup"
    switchboard-admin backup "$backup" >/dev/null
fi
switchboard-admin migrate

# nginx.
set -a
# shellcheck disable=SC1090
source "$env_file"
set +a
if [[ -r ${SWITCHBOARD_TLS_CERT:-/nonexistent} && -r ${SWITCHBOARD_TLS_KEY:-/nonexistent} ]]; then
    "$prefix/deploy/render-nginx.sh" "$etc/nginx.conf" >/dev/null
    # (The unit makes both directories itself; `nginx -t` needs them now.)
    install -d -m 0750 /var/log/switchboard
    install -d -m 0755 /run/switchboard-nginx
    nginx -t -q -c "$etc/nginx.conf" -e /var/log/switchboard/nginx-error.log
    nginx_ok=1
else
    say "no TLS certificate at SWITCHBOARD_TLS_CERT=${SWITCHBOARD_TLS_CERT:-} yet: nginx not configured (see docs/OPERATIONS.md, then run $0 again)"
    nginx_ok=0
fi

systemctl enable switchboard-worker.service switchboard-notifier.service
systemctl restart switchboard-worker.service switchboard-notifier.service
if ((nginx_ok)); then
    systemctl enable switchboard-nginx.service
    if systemctl is-active --quiet switchboard-nginx.service; then
        systemctl reload switchboard-nginx.service
    else
        systemctl start switchboard-nginx.service
    fi
fi
say "done; health: curl -fsS https://${SWITCHBOARD_SERVER_NAME:-localhost}/api/v1/health"
say "first install? create the accounts: switchboard-admin seed (prints their passwords once)"
