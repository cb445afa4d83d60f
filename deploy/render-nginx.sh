#!/usr/bin/env bash
# Renders nginx/switchboard.conf.template (the same template `make run` uses)
# into the production nginx.conf of switchboard-nginx.service:
#
#   deploy/render-nginx.sh [OUT]        # default /etc/switchboard/nginx.conf
#
# Settings come from /etc/switchboard/switchboard.env (or $SWITCHBOARD_ENV_FILE):
# SWITCHBOARD_SERVER_NAME, SWITCHBOARD_TLS_CERT, SWITCHBOARD_TLS_KEY,
# SWITCHBOARD_WIDGET_ORIGINS, the rate limits, SWITCHBOARD_RUN_DIR (the sockets).
# Optional: SWITCHBOARD_USER and SWITCHBOARD_GROUP (nginx's workers; default
# switchboard, the owner of the sockets), SWITCHBOARD_HTTPS_PORT / SWITCHBOARD_HTTP_PORT (443 / 80),
# SWITCHBOARD_NGINX_RUN_DIR (/run/switchboard-nginx: pid, temp files) and
# SWITCHBOARD_NGINX_LOG_DIR (/var/log/switchboard).
#
# What differs from the development config: TLS on 443 with the operator's
# certificate (and HSTS), port 80 redirecting to it, the workers as the
# switchboard user, logs in /var/log/switchboard, pid and temp files in
# /run/switchboard-nginx, and no demo shop. Check the result with
#   nginx -t -c /etc/switchboard/nginx.conf
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd) # /opt/switchboard once installed (static/ beside it)
env_file=${SWITCHBOARD_ENV_FILE:-/etc/switchboard/switchboard.env}
out=${1:-/etc/switchboard/nginx.conf}

die() { printf 'render-nginx: %s\n' "$*" >&2; exit 1; }

if [[ -r $env_file ]]; then
    set -a
    # shellcheck disable=SC1090
    source "$env_file"
    set +a
elif [[ -n ${SWITCHBOARD_ENV_FILE:-} ]]; then
    die "cannot read $env_file"
fi
user=${SWITCHBOARD_USER:-switchboard}
group=${SWITCHBOARD_GROUP:-$user}
run_dir=${SWITCHBOARD_RUN_DIR:-/run/switchboard}
nginx_run=${SWITCHBOARD_NGINX_RUN_DIR:-/run/switchboard-nginx}
log_dir=${SWITCHBOARD_NGINX_LOG_DIR:-/var/log/switchboard}
https_port=${SWITCHBOARD_HTTPS_PORT:-443}
http_port=${SWITCHBOARD_HTTP_PORT:-80}
server_name=${SWITCHBOARD_SERVER_NAME:-}
cert=${SWITCHBOARD_TLS_CERT:-}
key=${SWITCHBOARD_TLS_KEY:-}

[[ $server_name =~ ^[A-Za-z0-9.-]+$ ]] || die "SWITCHBOARD_SERVER_NAME='$server_name' is not a host name"
[[ $user =~ ^[a-z_][a-z0-9_-]*$ && $group =~ ^[a-z_][a-z0-9_-]*$ ]] ||
    die "SWITCHBOARD_USER='$user' / SWITCHBOARD_GROUP='$group' is not a user / group name"
for port in "$https_port" "$http_port"; do
    [[ $port =~ ^[0-9]{1,5}$ ]] && ((port >= 1 && port <= 65535)) || die "'$port' is not a port"
done
for path in "$cert" "$key" "$run_dir" "$nginx_run" "$log_dir"; do
    [[ $path == /* ]] || die "'$path' must be an absolute path (set SWITCHBOARD_TLS_CERT / _KEY in $env_file)"
    case $path in
        *[\"\\\$\;\{\}\'\|\&@[:space:]]*) die "path '$path' contains a character nginx.conf cannot hold" ;;
    esac
done
[[ -f $root/nginx/switchboard.conf.template && -d $root/static ]] || die "$root has no nginx/ and static/"

# The development renderer does the substitutions; its run dir is a scratch
# directory whose path is then replaced by the production ones.
scratch=$(mktemp -d /tmp/sb-render.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
SWITCHBOARD_RUN_DIR=$scratch SWITCHBOARD_HOST=127.0.0.1 SWITCHBOARD_PORT=8080 SWITCHBOARD_SHOP_PORT=8081 \
    SWITCHBOARD_DATA_DIR=$scratch "$root/scripts/render-nginx.sh" "$scratch/dev.conf" >/dev/null

awk -v scratch="$scratch" -v user="$user" -v group="$group" -v run_dir="$run_dir" -v nginx_run="$nginx_run" \
    -v log_dir="$log_dir" -v https_port="$https_port" -v http_port="$http_port" \
    -v server_name="$server_name" -v cert="$cert" -v key="$key" '
    function swap(s, from, to,    i, r) {
        r = ""
        while ((i = index(s, from)) > 0) { r = r substr(s, 1, i - 1) to; s = substr(s, i + length(from)) }
        return r s
    }
    # The user line (a comment when rendered unprivileged).
    /^user / || /^# \(not root: workers run as/ { out[n++] = "user " user " " group ";"; users++; next }
    # The demo shop: from its comment to the end of its server block.
    /^    # The demo shop/ { shop = 1 }
    shop { if ($0 ~ /^    }$/) { shop = 0; shops++ }; next }
    # The one public server: TLS instead of the development listen.
    /^        listen 127\.0\.0\.1:8080 default_server;$/ {
        out[n++] = "        listen " https_port " ssl default_server;"
        out[n++] = "        listen [::]:" https_port " ssl default_server;"
        out[n++] = "        server_name " server_name ";"
        out[n++] = "        ssl_certificate     \"" cert "\";"
        out[n++] = "        ssl_certificate_key \"" key "\";"
        out[n++] = "        ssl_protocols TLSv1.2 TLSv1.3;"
        out[n++] = "        ssl_prefer_server_ciphers off;"
        out[n++] = "        ssl_session_cache shared:switchboard_tls:10m;"
        out[n++] = "        ssl_session_timeout 1d;"
        out[n++] = "        ssl_session_tickets off;"
        out[n++] = "        add_header Strict-Transport-Security \"max-age=31536000\" always;"
        listens++
        named = 1
        next
    }
    named && /^        server_name _;$/ { named = 0; next }
    {
        line = $0
        line = swap(line, "\"" scratch "/nginx-temp/", "\"" nginx_run "/")
        line = swap(line, "\"" scratch "/nginx.pid\"", "\"" nginx_run "/nginx.pid\"")
        line = swap(line, "\"" scratch "/nginx-error.log\"", "\"" log_dir "/nginx-error.log\"")
        line = swap(line, "\"" scratch "/nginx-access.log\"", "\"" log_dir "/nginx-access.log\"")
        line = swap(line, scratch "/", run_dir "/")
        out[n++] = line
        if (line == "}") last = n - 1 # the end of the http block, in the end
    }
    END {
        if (users != 1 || shops != 1 || listens != 1 || last == "") {
            printf "render-nginx: the template changed shape (user lines %d, shop blocks %d, listens %d)\n", users, shops, listens > "/dev/stderr"
            exit 1
        }
        print "# Rendered by deploy/render-nginx.sh from nginx/switchboard.conf.template and"
        print "# /etc/switchboard/switchboard.env: change those and render again, not this file."
        print "# (Comments below describe the development stack; paths are production ones.)"
        for (i = 0; i < n; i++) {
            if (i == last) {
                # A plain-HTTP server that only redirects to the TLS one.
                print ""
                print "    server {"
                print "        listen " http_port " default_server;"
                print "        listen [::]:" http_port " default_server;"
                print "        server_name _;"
                print "        location / {"
                print "            return 301 https://" server_name (https_port == 443 ? "" : ":" https_port) "$request_uri;"
                print "        }"
                print "    }"
            }
            print out[i]
        }
    }' "$scratch/dev.conf" >"$scratch/prod.conf"

if grep -n -e "$scratch" -e 'static/shop' "$scratch/prod.conf" >&2; then
    die "development paths left in the production config (above)"
fi
tmp=$(mktemp "$out.XXXXXX")
cat "$scratch/prod.conf" >"$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
printf '%s\n' "$out"
