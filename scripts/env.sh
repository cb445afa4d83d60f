# shellcheck shell=bash
# Sourced by the other scripts: the SWITCHBOARD_* defaults of docs/CONTRACTS.md,
# checked, with paths made absolute, and exported so that every executable the
# scripts start reads the same values. Relative paths are taken from the
# current directory.

sb_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

sb_say() { printf 'switchboard: %s\n' "$*" >&2; }
sb_die() { sb_say "$*"; exit 1; }

sb_abspath() {
    case $1 in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$PWD" "${1#./}" ;;
    esac
}

: "${SWITCHBOARD_HOST:=127.0.0.1}"
: "${SWITCHBOARD_PORT:=8080}"
: "${SWITCHBOARD_SHOP_PORT:=8081}"
: "${SWITCHBOARD_SSE_PER_CLIENT:=20}"
: "${SWITCHBOARD_DATA_DIR:=./var}"
SWITCHBOARD_DATA_DIR=$(sb_abspath "$SWITCHBOARD_DATA_DIR")
: "${SWITCHBOARD_RUN_DIR:=$SWITCHBOARD_DATA_DIR/run}"
SWITCHBOARD_RUN_DIR=$(sb_abspath "$SWITCHBOARD_RUN_DIR")
: "${SWITCHBOARD_BIN_DIR:=$sb_root/.build/release}"
SWITCHBOARD_BIN_DIR=$(sb_abspath "$SWITCHBOARD_BIN_DIR")
: "${SWITCHBOARD_MAX_BODY_BYTES:=65536}"
: "${SWITCHBOARD_RATE_LIMITS:=on}"
: "${SWITCHBOARD_LOGIN_RATE:=10r/m}"
: "${SWITCHBOARD_MESSAGE_RATE:=10r/s}"
: "${SWITCHBOARD_START_RATE:=20r/m}"
: "${SWITCHBOARD_ESCALATE_RATE:=6r/m}"
: "${SWITCHBOARD_TYPING_RATE:=5r/s}"
export SWITCHBOARD_SHOP_PORT SWITCHBOARD_SSE_PER_CLIENT
export SWITCHBOARD_HOST SWITCHBOARD_PORT SWITCHBOARD_DATA_DIR SWITCHBOARD_RUN_DIR \
    SWITCHBOARD_BIN_DIR SWITCHBOARD_MAX_BODY_BYTES SWITCHBOARD_RATE_LIMITS \
    SWITCHBOARD_LOGIN_RATE SWITCHBOARD_MESSAGE_RATE SWITCHBOARD_START_RATE \
    SWITCHBOARD_ESCALATE_RATE SWITCHBOARD_TYPING_RATE

if ! [[ $SWITCHBOARD_PORT =~ ^[0-9]{1,5}$ ]] || ((SWITCHBOARD_PORT < 1 || SWITCHBOARD_PORT > 65535)); then
    sb_die "SWITCHBOARD_PORT=$SWITCHBOARD_PORT is not a port number"
fi
if ! [[ $SWITCHBOARD_SHOP_PORT =~ ^[0-9]{1,5}$ ]] || ((SWITCHBOARD_SHOP_PORT < 1 || SWITCHBOARD_SHOP_PORT > 65535)) ||
    ((SWITCHBOARD_SHOP_PORT == SWITCHBOARD_PORT)); then
    sb_die "SWITCHBOARD_SHOP_PORT=$SWITCHBOARD_SHOP_PORT must be a port number other than SWITCHBOARD_PORT"
fi
[[ $SWITCHBOARD_SSE_PER_CLIENT =~ ^[1-9][0-9]{0,5}$ ]] ||
    sb_die "SWITCHBOARD_SSE_PER_CLIENT=$SWITCHBOARD_SSE_PER_CLIENT must be a positive whole number"
[[ $SWITCHBOARD_HOST =~ ^[0-9A-Za-z.:-]+$ ]] ||
    sb_die "SWITCHBOARD_HOST=$SWITCHBOARD_HOST is not an address"
# Same bounds as the worker's own check.
if ! [[ $SWITCHBOARD_MAX_BODY_BYTES =~ ^[0-9]{1,9}$ ]] ||
    ((SWITCHBOARD_MAX_BODY_BYTES < 1024 || SWITCHBOARD_MAX_BODY_BYTES > 16777216)); then
    sb_die "SWITCHBOARD_MAX_BODY_BYTES=$SWITCHBOARD_MAX_BODY_BYTES must be a byte count in 1024...16777216"
fi
[[ $SWITCHBOARD_RATE_LIMITS == on || $SWITCHBOARD_RATE_LIMITS == off ]] ||
    sb_die "SWITCHBOARD_RATE_LIMITS=$SWITCHBOARD_RATE_LIMITS must be on or off"
for rate in SWITCHBOARD_LOGIN_RATE SWITCHBOARD_MESSAGE_RATE SWITCHBOARD_START_RATE SWITCHBOARD_ESCALATE_RATE \
    SWITCHBOARD_TYPING_RATE; do
    [[ ${!rate} =~ ^[1-9][0-9]*r/[sm]$ ]] || sb_die "$rate=${!rate} must look like 10r/m or 5r/s"
done
# Who may frame the chat widget (CSP frame-ancestors): the shop's own sites,
# space-separated origins; `*` only when set so explicitly. By default the demo
# shop's origin, which `make run` serves.
if [[ $SWITCHBOARD_HOST == *:* ]]; then sb_shop_origin="http://[$SWITCHBOARD_HOST]:$SWITCHBOARD_SHOP_PORT"
else sb_shop_origin="http://$SWITCHBOARD_HOST:$SWITCHBOARD_SHOP_PORT"; fi
: "${SWITCHBOARD_WIDGET_ORIGINS:=$sb_shop_origin}"
export SWITCHBOARD_WIDGET_ORIGINS
read -ra sb_widget_origins <<<"$SWITCHBOARD_WIDGET_ORIGINS"  # no glob: "*" stays "*"
for origin in "${sb_widget_origins[@]}"; do
    [[ $origin == '*' || $origin =~ ^https?://(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z.-]+)(:[0-9]{1,5})?$ ]] ||
        sb_die "SWITCHBOARD_WIDGET_ORIGINS: '$origin' is not an origin like https://shop.example (or * for any site)"
done
((${#sb_widget_origins[@]} > 0)) || sb_die "SWITCHBOARD_WIDGET_ORIGINS is empty"

# A unix socket path must fit in sun_path (108 bytes with the NUL); the
# longest name in the run dir is notifier.sock.
sb_bytes() ( LC_ALL=C; printf '%s' "${#1}" )
(($(sb_bytes "$SWITCHBOARD_RUN_DIR/notifier.sock") < 108)) ||
    sb_die "SWITCHBOARD_RUN_DIR=$SWITCHBOARD_RUN_DIR is too long for unix socket paths (at most 93 bytes); set a shorter one"

# The URL the stack answers on (IPv6 addresses in brackets).
if [[ $SWITCHBOARD_HOST == *:* ]]; then
    sb_hostport="[$SWITCHBOARD_HOST]:$SWITCHBOARD_PORT"
else
    sb_hostport="$SWITCHBOARD_HOST:$SWITCHBOARD_PORT"
fi
if [[ $SWITCHBOARD_HOST == *:* ]]; then
    sb_shop_hostport="[$SWITCHBOARD_HOST]:$SWITCHBOARD_SHOP_PORT"
else
    sb_shop_hostport="$SWITCHBOARD_HOST:$SWITCHBOARD_SHOP_PORT"
fi
# shellcheck disable=SC2034 # used by the scripts that source this file
sb_base_url="http://$sb_hostport"
# shellcheck disable=SC2034
sb_shop_url="http://$sb_shop_hostport"
