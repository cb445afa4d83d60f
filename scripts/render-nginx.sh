#!/usr/bin/env bash
# Renders nginx/switchboard.conf.template (and its snippets, nginx/snippets/) into one
# nginx.conf from the SWITCHBOARD_* environment (docs/CONTRACTS.md): the only renderer,
# for development and production alike. The nginx unit (deploy/systemd/
# switchboard-nginx.service) runs it before every start and on reload, under systemd
# with /etc/switchboard/switchboard.env and under scripts/units.py (`make run`, the
# tests) with the development settings. Prints the path of the rendered file.
#
#   scripts/render-nginx.sh            # writes $SWITCHBOARD_RUN_DIR/nginx.conf
#   scripts/render-nginx.sh OUT.conf   # writes OUT.conf instead
#
# The result replaces OUT only when `nginx -t` accepts it, so a mistake in the settings
# leaves the last good config (and a running nginx) alone.
#
# Mode: with SWITCHBOARD_TLS_CERT set, production: TLS on SWITCHBOARD_HTTPS_PORT (443) for
# SWITCHBOARD_SERVER_NAME with SWITCHBOARD_TLS_CERT / SWITCHBOARD_TLS_KEY, port
# SWITCHBOARD_HTTP_PORT (80) redirecting to it, no demo shop. Without it, development:
# plain HTTP on SWITCHBOARD_HOST:SWITCHBOARD_PORT and the demo shop on SWITCHBOARD_SHOP_PORT.
# Paths: SWITCHBOARD_RUN_DIR (the sockets), SWITCHBOARD_NGINX_RUN_DIR (pid, temp files) and
# SWITCHBOARD_NGINX_LOG_DIR (logs), the last two defaulting to the first. Run as root,
# nginx's workers run as SWITCHBOARD_NGINX_USER, by default the owner of
# SWITCHBOARD_RUN_DIR (in production the switchboard user: the sockets are 0600 there).
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

template=$sb_root/nginx/switchboard.conf.template
snippets=$sb_root/nginx/snippets
static_dir=$sb_root/static
shop_dir=$sb_root/static/shop
out=${1:-$SWITCHBOARD_RUN_DIR/nginx.conf}
nginx_run=${SWITCHBOARD_NGINX_RUN_DIR:-$SWITCHBOARD_RUN_DIR}
log_dir=${SWITCHBOARD_NGINX_LOG_DIR:-$SWITCHBOARD_RUN_DIR}

if [[ -n ${SWITCHBOARD_TLS_CERT:-} ]]; then
    mode=tls
    server_name=${SWITCHBOARD_SERVER_NAME:-}
    cert=$SWITCHBOARD_TLS_CERT
    key=${SWITCHBOARD_TLS_KEY:-}
    https_port=${SWITCHBOARD_HTTPS_PORT:-443}
    http_port=${SWITCHBOARD_HTTP_PORT:-80}
    [[ $server_name =~ ^[A-Za-z0-9.-]+$ ]] || sb_die "SWITCHBOARD_SERVER_NAME='$server_name' is not a host name"
    for port in "$https_port" "$http_port"; do
        [[ $port =~ ^[0-9]{1,5}$ ]] && ((port >= 1 && port <= 65535)) || sb_die "'$port' is not a port"
    done
    [[ -r $cert && -r ${key:-/nonexistent} ]] ||
        sb_die "cannot read the certificate SWITCHBOARD_TLS_CERT=$cert and its key SWITCHBOARD_TLS_KEY=$key"
    if ((https_port == 443)); then https_suffix=""; else https_suffix=":$https_port"; fi
else
    mode=http
    server_name="" cert="" key="" https_port="" http_port="" https_suffix=""
fi

# Paths go into double-quoted nginx strings and through sed: refuse the few
# characters that would change their meaning there.
files_dir=$SWITCHBOARD_DATA_DIR/files
upload_temp_dir=$SWITCHBOARD_DATA_DIR/incoming
for path in "$SWITCHBOARD_RUN_DIR" "$nginx_run" "$log_dir" "$static_dir" "$shop_dir" "$files_dir" "$upload_temp_dir" ${cert:+"$cert"} ${key:+"$key"}; do
    [[ $path == /* ]] || sb_die "'$path' must be an absolute path"
    case $path in
        *[\"\\\$\;\{\}\'\|\&@[:space:]]*)
            sb_die "path '$path' contains a character nginx.conf cannot hold (one of \" \\ \$ ; { } ' | & @ or a space)" ;;
    esac
done

# As root, nginx workers would switch to an unprivileged user that cannot enter the 0700
# run dir: they run as its owner.
if (($(id -u) == 0)); then
    [[ -d $SWITCHBOARD_RUN_DIR ]] ||
        sb_die "$SWITCHBOARD_RUN_DIR does not exist (the worker's unit makes it: start switchboard-worker first)"
    nginx_user=${SWITCHBOARD_NGINX_USER:-$(stat -c %U "$SWITCHBOARD_RUN_DIR")}
    nginx_group=$(id -gn "$nginx_user") || sb_die "SWITCHBOARD_NGINX_USER=$nginx_user is not a user"
    [[ $nginx_user =~ ^[a-z_][a-z0-9_-]*$ ]] || sb_die "'$nginx_user' is not a user name"
    user_line="user $nginx_user $nginx_group;"
else
    user_line="# (not root: workers run as $(id -un))"
fi
if [[ $SWITCHBOARD_RATE_LIMITS == on ]]; then rl=""; else rl="#"; fi

# File descriptors: as many as the hard limit allows (nginx cannot go above it
# without privileges it may not have), at most 65536; connections a little below.
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || ((hard > 65536)); then nofile=65536; else nofile=$hard; fi
worker_connections=$((nofile > 2048 ? nofile - 1024 : 1024))

mkdir -p "$nginx_run/nginx-temp" "$log_dir"
# The worker makes the upload directory (the service user's, on the data disk); in development
# this may run first.
mkdir -p "$upload_temp_dir" 2>/dev/null || true

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
    printf '# Rendered by scripts/render-nginx.sh (%s) from nginx/switchboard.conf.template and the\n' "$mode"
    printf '# SWITCHBOARD_* settings: change those and render again, never this file.\n\n'
    # Snippet lines ("@SNIPPET name@" alone on a line) become the mode's snippet, indented alike.
    while IFS= read -r line; do
        if [[ $line =~ ^([[:space:]]*)@SNIPPET\ ([a-z-]+)@$ ]]; then
            indent=${BASH_REMATCH[1]}
            # The mode's own snippet, or one both modes share.
            snippet=$snippets/$mode-${BASH_REMATCH[2]}.conf
            [[ -f $snippet ]] || snippet=$snippets/${BASH_REMATCH[2]}.conf
            [[ -f $snippet ]] || sb_die "no snippet $snippets/$mode-${BASH_REMATCH[2]}.conf or $snippet"
            while IFS= read -r part; do
                if [[ -n $part ]]; then printf '%s%s\n' "$indent" "$part"; else printf '\n'; fi
            done <"$snippet"
        else
            printf '%s\n' "$line"
        fi
    done <"$template"
} | sed -e "s|@USER_LINE@|$user_line|g" \
    -e "s|@RUN_DIR@|$SWITCHBOARD_RUN_DIR|g" \
    -e "s|@NGINX_RUN_DIR@|$nginx_run|g" \
    -e "s|@LOG_DIR@|$log_dir|g" \
    -e "s|@STATIC_DIR@|$static_dir|g" \
    -e "s|@FILES_DIR@|$files_dir|g" \
    -e "s|@UPLOAD_TEMP_DIR@|$upload_temp_dir|g" \
    -e "s|@LISTEN@|$sb_hostport|g" \
    -e "s|@MAX_BODY@|$SWITCHBOARD_MAX_BODY_BYTES|g" \
    -e "s|@LOGIN_RATE@|$SWITCHBOARD_LOGIN_RATE|g" \
    -e "s|@MESSAGE_RATE@|$SWITCHBOARD_MESSAGE_RATE|g" \
    -e "s|@START_RATE@|$SWITCHBOARD_START_RATE|g" \
    -e "s|@ESCALATE_RATE@|$SWITCHBOARD_ESCALATE_RATE|g" \
    -e "s|@TYPING_RATE@|$SWITCHBOARD_TYPING_RATE|g" \
    -e "s|@RL@|$rl|g" \
    -e "s|@SHOP_LISTEN@|$sb_shop_hostport|g" \
    -e "s|@SHOP_DIR@|$shop_dir|g" \
    -e "s|@SSE_PER_CLIENT@|$SWITCHBOARD_SSE_PER_CLIENT|g" \
    -e "s|@NOFILE@|$nofile|g" \
    -e "s|@WORKER_CONNECTIONS@|$worker_connections|g" \
    -e "s|@SERVER_NAME@|$server_name|g" \
    -e "s|@HTTPS_PORT@|$https_port|g" \
    -e "s|@HTTP_PORT@|$http_port|g" \
    -e "s|@HTTPS_SUFFIX@|$https_suffix|g" \
    -e "s|@TLS_CERT@|$cert|g" \
    -e "s|@TLS_KEY@|$key|g" \
    >"$tmp"
if leftover=$(grep -n -o '@[A-Z_]\+@' "$tmp"); then
    sb_die "unrendered placeholders in $template: $leftover"
fi

nginx_exe=$(command -v nginx || true)
for candidate in /usr/sbin/nginx /usr/local/sbin/nginx; do
    [[ -n $nginx_exe ]] || { [[ -x $candidate ]] && nginx_exe=$candidate; }
done
[[ -n $nginx_exe ]] || sb_die "nginx not found (scripts/deps.sh installs it); $out not written"
if ! check=$("$nginx_exe" -t -q -c "$tmp" -e "$log_dir/nginx-error.log" 2>&1); then
    printf '%s\n' "$check" >&2
    sb_die "nginx rejects the rendered config; $out left as it was"
fi
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
printf '%s\n' "$out"
