#!/usr/bin/env bash
# Renders nginx/switchboard.conf.template into $SWITCHBOARD_RUN_DIR/nginx.conf
# from the SWITCHBOARD_* environment (docs/CONTRACTS.md), and creates the
# directories that config names. Prints the path of the rendered file.
#
#   scripts/render-nginx.sh            # writes $SWITCHBOARD_RUN_DIR/nginx.conf
#   scripts/render-nginx.sh OUT.conf   # writes OUT.conf instead
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

template=$sb_root/nginx/switchboard.conf.template
static_dir=$sb_root/static
shop_dir=$sb_root/static/shop
out=${1:-$SWITCHBOARD_RUN_DIR/nginx.conf}

# Paths go into double-quoted nginx strings and through sed: refuse the few
# characters that would change their meaning there.
for path in "$SWITCHBOARD_RUN_DIR" "$static_dir" "$shop_dir"; do
    case $path in
        *[\"\\\$\;\{\}\'\|\&@]* | *$'\n'*)
            sb_die "path '$path' contains a character nginx.conf cannot hold (one of \" \\ \$ ; { } ' | & @ or a newline)" ;;
    esac
done

# As root, nginx workers would switch to an unprivileged user that cannot
# enter the 0700 run dir; keep them as the user that owns it.
if (($(id -u) == 0)); then
    user_line="user $(id -un) $(id -gn);"
else
    user_line="# (not root: workers run as $(id -un))"
fi
if [[ $SWITCHBOARD_RATE_LIMITS == on ]]; then rl=""; else rl="#"; fi

# File descriptors: as many as the hard limit allows (nginx cannot go above it
# without privileges it may not have), at most 65536; connections a little below.
hard=$(ulimit -Hn)
if [[ $hard == unlimited ]] || ((hard > 65536)); then nofile=65536; else nofile=$hard; fi
worker_connections=$((nofile > 2048 ? nofile - 1024 : 1024))

mkdir -p "$SWITCHBOARD_RUN_DIR/nginx-temp"
chmod 700 "$SWITCHBOARD_RUN_DIR"

tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
sed -e "s|@USER_LINE@|$user_line|g" \
    -e "s|@RUN_DIR@|$SWITCHBOARD_RUN_DIR|g" \
    -e "s|@STATIC_DIR@|$static_dir|g" \
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
    -e "s|@WIDGET_ORIGINS@|$SWITCHBOARD_WIDGET_ORIGINS|g" \
    -e "s|@NOFILE@|$nofile|g" \
    -e "s|@WORKER_CONNECTIONS@|$worker_connections|g" \
    "$template" >"$tmp"
if leftover=$(grep -n -o '@[A-Z_]*@' "$tmp"); then
    sb_die "unrendered placeholders in $template: $leftover"
fi
chmod 600 "$tmp"
mv "$tmp" "$out"
trap - EXIT
printf '%s\n' "$out"
