#!/usr/bin/env bash
# Installs what building, running and testing Switchboard needs, and only what
# is missing (Debian/Ubuntu packages through apt-get; run again any time):
#
#   scripts/deps.sh             build + run: libfcgi, SQLite, libcurl, libmagic, libvips, pkg-config, nginx,
#                               python3 + venv, curl, nodejs; and the test venv (.venv)
#   scripts/deps.sh --browser   also chromium + chromedriver (browser tests)
#   scripts/deps.sh --bench     also wrk, nchan (libnginx-mod-nchan) and a C compiler
#                               (benchmarks: their ceilings)
#
# Not root and something is missing: prints the exact apt-get line and fails.
# The Swift toolchain itself is not installed here.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

browser=0 bench=0
for arg in "$@"; do
    case $arg in
        --browser) browser=1 ;;
        --bench) bench=1 ;;
        -h | --help)
            sed -n '2,12s/^# \{0,1\}//p' "$0"
            exit 0
            ;;
        *)
            echo "deps.sh: unknown option $arg (try --help)" >&2
            exit 2
            ;;
    esac
done

have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
have_cmd() { command -v "$1" >/dev/null 2>&1 || [[ -x /usr/sbin/$1 ]]; }

# Each requirement: a package, and how to tell it is already there (a command
# that works counts, whichever package brought it).
missing=()
need() {
    local pkg=$1
    shift
    if (($# > 0)); then "$@" && return 0; fi
    have_pkg "$pkg" || missing+=("$pkg")
}
need libfcgi-dev test -e /usr/include/fcgiapp.h
need libsqlite3-dev test -e /usr/include/sqlite3.h
need libcurl4-openssl-dev test -e /usr/include/x86_64-linux-gnu/curl/curl.h -o -e /usr/include/curl/curl.h
need libmagic-dev test -e /usr/include/magic.h
need libvips-dev test -e /usr/include/vips/vips.h
need pkg-config have_cmd pkg-config
need nginx-light have_cmd nginx
need curl have_cmd curl
need python3 have_cmd python3
need python3-venv python3 -c 'import ensurepip, venv'
# The shared JS modules' unit tests (node --test, no npm packages).
need nodejs have_cmd node
if ((browser)); then
    need chromium have_cmd chromium
    need chromium-driver have_cmd chromedriver
fi
if ((bench)); then
    need wrk have_cmd wrk
    # The bench's ceilings: nchan beside our streams, a C libfcgi responder beside the worker.
    need libnginx-mod-nchan test -e /usr/lib/nginx/modules/ngx_nchan_module.so
    need gcc have_cmd cc
fi

if ((${#missing[@]} > 0)); then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "deps.sh: missing ${missing[*]}, and this system has no apt-get; install the equivalents by hand" >&2
        exit 1
    fi
    if (($(id -u) != 0)); then
        echo "deps.sh: missing packages; install them with:" >&2
        echo "    sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "deps.sh: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The test venv, rebuilt when Tests/requirements.txt or the interpreter changes.
venv=$root/.venv
requirements=$root/Tests/requirements.txt
stamp=$venv/.switchboard-stamp
want=$( (python3 --version && cat "$requirements") | sha256sum | cut -d' ' -f1)
if [[ -x $venv/bin/python && -f $stamp && $(<"$stamp") == "$want" ]]; then
    exit 0
fi
echo "deps.sh: preparing $venv from Tests/requirements.txt"
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements"
printf '%s\n' "$want" >"$stamp"
