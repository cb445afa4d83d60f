#!/usr/bin/env bash
# Foreground supervisor for one Switchboard stack: the FastCGI worker, the SSE
# notifier and nginx in front of them (started in that order, each in a session
# of its own), configured from the SWITCHBOARD_* environment (docs/CONTRACTS.md),
# binaries from $SWITCHBOARD_BIN_DIR. Needs bash 5.1 or newer.
#
#   SWITCHBOARD_BIN_DIR=.build/debug scripts/stack.sh
#
# Refuses to start when a stack already runs in $SWITCHBOARD_RUN_DIR. Prints
# "switchboard: serving on http://HOST:PORT" (and the pages' addresses) on stdout
# once GET /api/v1/health answers 200, then waits. If startup fails, what was
# started is stopped and the exit status is 1.
#
# SIGINT/SIGTERM/SIGHUP stop the services in the order nginx (QUIT: in-flight
# requests finish), notifier, worker (TERM), each escalated to TERM/KILL when it
# outlives its grace time; the exit status is 0 when all of them stopped cleanly.
#
# If the notifier dies on its own it is restarted (it holds no state: clients
# resume by Last-Event-ID), up to 5 times in a row; a notifier that ran for a
# minute starts a fresh count. If the worker or nginx dies, the notifier dies a
# sixth time in a row, or a restarted notifier does not come up, the others are
# stopped and the exit status is 1.
#
# Sockets, NAME.pid files and logs live in $SWITCHBOARD_RUN_DIR: worker.log,
# notifier.log, nginx-error.log, nginx-access.log, and nginx-stderr.log for what
# nginx prints before its error log is open.
#
# Each service is a start_NAME function, a step in start_all and its place in
# stop_order (and, when it needs one, its own stop signal in stop_all).
set -uo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))) ||
    sb_die "stack.sh needs bash 5.1 or newer (wait -n -p)"

run=$SWITCHBOARD_RUN_DIR
bin=$SWITCHBOARD_BIN_DIR
startup_timeout=30

declare -A pid_of=()  # service name -> pid
declare -A name_of=() # pid -> service name
stop_order=(nginx notifier worker)
requested="" # the signal that asked us to stop
notifier_restarts=0
notifier_started=0

logs_hint() {
    sb_say "logs: $run/worker.log $run/notifier.log $run/nginx-error.log $run/nginx-stderr.log $run/nginx-access.log"
}

# Prints the end of a log file, indented, to stderr; for a crash report (long,
# ending in registers and images) the lines that say what happened first.
show_tail() {
    [[ -s $1 ]] || return 0
    local crash
    crash=$(tail -n 400 "$1" | grep -E 'Fatal error|Program crashed|crashed:' | tail -n 2)
    if [[ -n $crash ]]; then
        sb_say "$1 reports a crash:"
        printf '%s\n' "$crash" | sed 's/^/    /' >&2
    fi
    sb_say "last lines of $1:"
    tail -n 20 "$1" | sed 's/^/    /' >&2
}

# The log that tells why a service stopped.
service_log() {
    case $1 in
        nginx) printf '%s\n' "$run/nginx-error.log" ;;
        *) printf '%s\n' "$run/$1.log" ;;
    esac
}

find_nginx() {
    local candidate
    for candidate in "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx /usr/local/sbin/nginx; do
        [[ -n $candidate && -x $candidate ]] && { printf '%s\n' "$candidate"; return 0; }
    done
    sb_die "nginx not found; run scripts/deps.sh"
}

# A process we started and have not reaped yet.
alive() { kill -0 "$1" 2>/dev/null; }

# start_service NAME LOGFILE COMMAND...: runs COMMAND in the background in a
# session of its own, so that a Ctrl-C in the terminal reaches only this
# supervisor, which then stops the services in order.
start_service() {
    local name=$1 log=$2
    shift 2
    printf '=== %s: switchboard stack.sh starts %s\n' "$(date -u +%FT%TZ)" "$name" >>"$log"
    setsid "$@" </dev/null >>"$log" 2>&1 &
    local pid=$!
    pid_of[$name]=$pid
    name_of[$pid]=$name
    printf '%s\n' "$pid" >"$run/$name.pid"
}

# wait_until NAME DESCRIPTION COMMAND...: polls COMMAND until it succeeds;
# fails when the service dies, a stop is requested or time runs out.
wait_until() {
    local name=$1 what=$2
    shift 2
    local deadline=$((SECONDS + startup_timeout))
    until "$@"; do
        if [[ -n $requested ]]; then return 1; fi
        if ! alive "${pid_of[$name]}"; then
            local pid=${pid_of[$name]} status
            wait "$pid"
            status=$?
            reap_group "$name" "$pid"
            sb_say "$name exited with status $status during startup (waiting for $what)"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            sb_say "$name: no $what after ${startup_timeout}s"
            return 1
        fi
        sleep 0.1
    done
}

socket_exists() { [[ -S $1 ]]; }

# GET /api/v1/health over bash's /dev/tcp (no curl needed): succeeds on a 200.
health_ok() (
    exec 3<>"/dev/tcp/$SWITCHBOARD_HOST/$SWITCHBOARD_PORT" || exit 1
    printf 'GET /api/v1/health HTTP/1.0\r\nHost: %s\r\n\r\n' "$sb_hostport" >&3
    IFS= read -r -t 5 status_line <&3 || exit 1
    [[ $status_line == "HTTP/1."[01]" 200"* ]]
) 2>/dev/null

start_worker() {
    local exe=$bin/switchboard-worker
    [[ -x $exe ]] || sb_die "$exe not found; build first (swift build) or set SWITCHBOARD_BIN_DIR"
    rm -f "$run/worker.sock"
    start_service worker "$run/worker.log" "$exe"
    wait_until worker "socket $run/worker.sock" socket_exists "$run/worker.sock"
}

start_notifier() {
    local exe=$bin/switchboard-notifier
    [[ -x $exe ]] || sb_die "$exe not found; build first (swift build) or set SWITCHBOARD_BIN_DIR"
    rm -f "$run/notifier.sock"
    start_service notifier "$run/notifier.log" "$exe"
    notifier_started=$SECONDS
    wait_until notifier "socket $run/notifier.sock" socket_exists "$run/notifier.sock"
}

start_nginx() {
    local nginx conf=$run/nginx.conf
    nginx=$(find_nginx) || return 1
    "$sb_root/scripts/render-nginx.sh" "$conf" >/dev/null || return 1
    local -a args=(-p "$run" -c "$conf" -e "$run/nginx-error.log")
    if ! "$nginx" -t -q "${args[@]}"; then
        sb_say "nginx rejected $conf"
        return 1
    fi
    start_service nginx "$run/nginx-stderr.log" "$nginx" "${args[@]}"
    wait_until nginx "200 from $sb_base_url/api/v1/health" health_ok
}

start_all() {
    start_worker && start_notifier && start_nginx
}

# reap_group NAME PID: a service leads a process group of its own (setsid);
# kill what is left of it (nginx workers outlive a killed master and keep
# serving) and forget the service.
reap_group() {
    kill -KILL -- "-$2" 2>/dev/null
    unset "pid_of[$1]"
    rm -f "$run/$1.pid"
}

# stop_service NAME SIGNAL GRACE: sends SIGNAL, waits up to GRACE seconds,
# then TERM, then KILL. Returns the service's exit status.
stop_service() {
    local name=$1 signal=$2 grace=$3
    local pid=${pid_of[$name]:-}
    [[ -n $pid ]] || return 0
    kill "-$signal" "$pid" 2>/dev/null
    (
        for ((i = 0; i < grace * 10; i++)); do sleep 0.1; done
        kill -TERM "$pid"
        sleep 5
        kill -KILL "$pid"
    ) </dev/null >/dev/null 2>&1 &
    local watchdog=$!
    local status
    while :; do
        wait "$pid"
        status=$?
        # Above 128 is either the service's death by a signal or a signal to
        # us interrupting the wait: only the latter leaves it running.
        if ((status <= 128)) || ! kill -0 "$pid" 2>/dev/null; then break; fi
    done
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    reap_group "$name" "$pid"
    return "$status"
}

# Stops every service still running, nginx first so that requests in flight
# reach a live worker. Returns non-zero when one did not stop cleanly.
stop_all() {
    local name status failed=0
    for name in "${stop_order[@]}"; do
        [[ -n ${pid_of[$name]:-} ]] || continue
        case $name in
            nginx) stop_service nginx QUIT 15 ;;
            *) stop_service "$name" TERM 20 ;;
        esac
        status=$?
        if ((status != 0)); then
            sb_say "$name exited with status $status while stopping"
            show_tail "$(service_log "$name")"
            failed=1
        fi
    done
    rm -f "$run/worker.sock" "$run/notifier.sock" "$run/notify.dgram"
    return "$failed"
}

on_signal() { [[ -n $requested ]] || requested=$1; }
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

mkdir -p "$run" || sb_die "cannot create $run"
chmod 700 "$run"
for name in "${stop_order[@]}"; do
    if [[ -f $run/$name.pid ]] && pid=$(<"$run/$name.pid") && [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        sb_die "a stack already runs in $run ($name pid $pid); stop it first or use another SWITCHBOARD_RUN_DIR"
    fi
done

if ! start_all; then
    if [[ -n $requested ]]; then
        stop_all
        exit $?
    fi
    sb_say "startup failed"
    show_tail "$run/worker.log"
    show_tail "$run/nginx-error.log"
    stop_all
    logs_hint
    exit 1
fi

printf 'switchboard: serving on %s\n' "$sb_base_url"
printf 'switchboard:   agent console %s/agent/\n' "$sb_base_url"
printf 'switchboard:   API           %s/api/v1/\n' "$sb_base_url"
printf 'switchboard:   demo shop     %s/ (another origin, embeds the widget)\n' "$sb_shop_url"
printf 'switchboard:   logs          %s/*.log (Ctrl-C stops)\n' "$run"

while :; do
    died="" status=0
    if [[ -z $requested ]]; then
        wait -n -p died
        status=$?
    fi
    if [[ -n $requested ]]; then
        sb_say "stopping (SIG$requested)"
        stop_all
        exit $?
    fi
    if [[ -z $died ]]; then
        ((status == 127)) || continue # interrupted by an untrapped event
        sb_say "no service left to supervise"
        exit 1
    fi
    name=${name_of[$died]:-}
    [[ -n $name ]] || continue # a helper process, not a service
    reap_group "$name" "$died"
    # The notifier holds no state of its own (clients resume from the outbox by
    # Last-Event-ID), so a crashed one is restarted rather than taking the
    # whole product down; a notifier that keeps dying still stops the stack.
    # A notifier that ran for a minute before dying starts a fresh count.
    if [[ $name == notifier ]] && ((SECONDS - notifier_started > 60)); then notifier_restarts=0; fi
    if [[ $name == notifier ]] && ((notifier_restarts < 5)); then
        notifier_restarts=$((notifier_restarts + 1))
        sb_say "notifier (pid $died) exited with status $status; restarting it (restart $notifier_restarts of 5)"
        show_tail "$run/notifier.log"
        if start_notifier; then continue; fi
    fi
    sb_say "$name (pid $died) exited unexpectedly with status $status; stopping the rest"
    stop_all
    show_tail "$(service_log "$name")"
    logs_hint
    exit 1
done
