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
# Supervision: a service that dies (or exits) once the stack is serving is
# restarted: the first time after 0.2 s, and after 0.4, 0.8 ... up to 5 s while it
# keeps dying; a service that stayed up for 10 s starts again at 0.2 s. A
# restarted service that does not come up within 30 s is killed and retried the
# same way. Each death and each return is logged on stderr and in
# $SWITCHBOARD_RUN_DIR/stack.log (and noted in the service's own log). While the
# worker is down nginx answers the API with a JSON 503 `service_unavailable` and
# Retry-After (nginx/switchboard.conf.template). The stack never gives up on
# its own: only a signal stops it.
#
# SIGINT/SIGTERM/SIGHUP stop the services in the order nginx (QUIT: in-flight
# requests finish), notifier, worker (TERM), each escalated to TERM/KILL when it
# outlives its grace time; pending restarts are dropped. The exit status is 0
# when all of them stopped cleanly.
#
# Sockets, NAME.pid files and logs live in $SWITCHBOARD_RUN_DIR: stack.log (this
# supervisor), worker.log, notifier.log, nginx-error.log, nginx-access.log, and
# nginx-stderr.log for what nginx prints before its error log is open.
#
# Each service is a start_NAME function (given "restart" when it comes back after a
# death), a step in start_all and its place in stop_order (and, when it needs one,
# its own stop signal in stop_all).
set -uo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))) ||
    sb_die "stack.sh needs bash 5.1 or newer (wait -n -p)"

run=$SWITCHBOARD_RUN_DIR
bin=$SWITCHBOARD_BIN_DIR
startup_timeout=30

# Restart policy (see the header).
restart_first_ms=200
restart_max_ms=5000
restart_stable_s=10

declare -A pid_of=()     # service name -> pid
declare -A name_of=()    # pid -> service name
declare -A started_us=() # service name -> when it was last started (microseconds)
declare -A delay_ms=()   # service name -> the delay before its last restart
declare -A deaths=()     # service name -> deaths in a row (each within restart_stable_s of its start)
declare -A due_us=()     # service name -> when a dead service is to be started again
declare -A down_us=()    # service name -> when it died (for "back after ...")
stop_order=(nginx notifier worker)
start_order=(worker notifier nginx)
requested="" # the signal that asked us to stop
timer_pid="" # a sleep that wakes the main loop when a restart is due

# No command substitution ($(...)) runs once the signal traps are set: bash 5.2
# fails to parse a trap's command that arrives while it parses one ("unexpected
# EOF while looking for matching `)'") and then skips both. Functions hand
# results back in variables instead: now_us sets $now, stamp $stamp, stdout_log
# and service_log $log, signal_note $why, ms_text $ms.

now_us() { now=${EPOCHREALTIME//[!0-9]/}; }
stamp() { TZ=UTC0 printf -v stamp '%(%FT%TZ)T' -1; }

# say MESSAGE: to stderr (the stack's output, even where a loop silences
# bash's own notices) and, with a time, to stack.log.
exec {stderr_fd}>&2
say() {
    local stamp
    stamp
    sb_say "$*" 2>&"$stderr_fd"
    printf '%s switchboard: %s\n' "$stamp" "$*" >>"$run/stack.log" 2>/dev/null
}

# trace MESSAGE: to stack.log only.
trace() {
    local stamp
    stamp
    printf '%s switchboard: %s\n' "$stamp" "$*" >>"$run/stack.log" 2>/dev/null
}

# note SERVICE MESSAGE: a line in the service's own log, so that it tells the whole story.
note() {
    local stamp log
    stamp
    stdout_log "$1"
    printf '=== %s: switchboard stack.sh: %s\n' "$stamp" "$2" >>"$log" 2>/dev/null
}

logs_hint() {
    sb_say "logs: $run/stack.log $run/worker.log $run/notifier.log $run/nginx-error.log $run/nginx-stderr.log $run/nginx-access.log"
}

# Prints the end of a log file, indented, to stderr; for a crash report (long,
# ending in registers and images) the lines that say what happened first.
show_tail() {
    local lines=${2:-20}
    [[ -s $1 ]] || return 0
    if tail -n 400 "$1" | grep -qE 'Fatal error|Program crashed|crashed:'; then
        sb_say "$1 reports a crash:"
        tail -n 400 "$1" | grep -E 'Fatal error|Program crashed|crashed:' | tail -n 2 | sed 's/^/    /' >&2
    fi
    sb_say "last lines of $1:"
    tail -n "$lines" "$1" | sed 's/^/    /' >&2
}

# The log that tells why a service stopped (in $log).
service_log() {
    case $1 in
        nginx) log=$run/nginx-error.log ;;
        *) log=$run/$1.log ;;
    esac
}

# Where a service's stdout and stderr go (in $log).
stdout_log() {
    case $1 in
        nginx) log=$run/nginx-stderr.log ;;
        *) log=$run/$1.log ;;
    esac
}

# Found once, before the traps are set.
nginx_exe=""
for candidate in "$(command -v nginx 2>/dev/null)" /usr/sbin/nginx /usr/local/sbin/nginx; do
    [[ -n $candidate && -x $candidate ]] && { nginx_exe=$candidate; break; }
done
[[ -n $nginx_exe ]] || sb_die "nginx not found; run scripts/deps.sh"

# A process we started and have not reaped yet.
alive() { kill -0 "$1" 2>/dev/null; }

# start_service NAME COMMAND...: runs COMMAND in the background in a session of
# its own (so that a Ctrl-C in the terminal reaches only this supervisor, which
# then stops the services in order), output appended to its log.
start_service() {
    local name=$1
    shift
    local log stamp now
    stdout_log "$name"
    stamp
    printf '=== %s: switchboard stack.sh starts %s\n' "$stamp" "$name" >>"$log"
    setsid "$@" </dev/null >>"$log" 2>&1 {stderr_fd}>&- &
    local pid=$!
    pid_of[$name]=$pid
    name_of[$pid]=$name
    now_us
    started_us[$name]=$now
    printf '%s\n' "$pid" >"$run/$name.pid"
}

# wait_until NAME DESCRIPTION COMMAND...: polls COMMAND until it succeeds;
# fails when the service dies, a stop is requested or time runs out (the
# service is then left running).
wait_until() {
    local name=$1 what=$2
    shift 2
    local deadline=$((SECONDS + startup_timeout))
    # (2>/dev/null: bash would report another service's death by a signal here,
    # as "line N: PID Killed ..."; reap_unreported tells about it properly.)
    until "$@"; do
        if [[ -n $requested ]]; then return 1; fi
        if ! alive "${pid_of[$name]}"; then
            local pid=${pid_of[$name]} status
            wait "$pid" 2>/dev/null # (bash would print "Killed")
            status=$?
            reap_group "$name" "$pid"
            say "$name exited with status $status while starting (waiting for $what)"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            say "$name: no $what after ${startup_timeout}s"
            return 1
        fi
        sleep 0.05
    done 2>/dev/null
}

socket_exists() { [[ -S $1 ]]; }

# GET /api/v1/health over bash's /dev/tcp (no curl needed): succeeds on a 200.
health_ok() (
    exec 3<>"/dev/tcp/$SWITCHBOARD_HOST/$SWITCHBOARD_PORT" || exit 1
    printf 'GET /api/v1/health HTTP/1.0\r\nHost: %s\r\n\r\n' "$sb_hostport" >&3
    IFS= read -r -t 5 status_line <&3 || exit 1
    [[ $status_line == "HTTP/1."[01]" 200"* ]]
) 2>/dev/null

# nginx answers HTTP at all (a restarted nginx is up even while the worker is not).
http_answers() (
    exec 3<>"/dev/tcp/$SWITCHBOARD_HOST/$SWITCHBOARD_PORT" || exit 1
    printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$sb_hostport" >&3
    IFS= read -r -t 5 status_line <&3 || exit 1
    [[ $status_line == "HTTP/1."[01]" "* ]]
) 2>/dev/null

start_worker() {
    local exe=$bin/switchboard-worker
    [[ -x $exe ]] || sb_die "$exe not found; build first (swift build) or set SWITCHBOARD_BIN_DIR"
    rm -f "$run/worker.sock"
    start_service worker "$exe"
    wait_until worker "socket $run/worker.sock" socket_exists "$run/worker.sock"
}

start_notifier() {
    local exe=$bin/switchboard-notifier
    [[ -x $exe ]] || sb_die "$exe not found; build first (swift build) or set SWITCHBOARD_BIN_DIR"
    rm -f "$run/notifier.sock"
    start_service notifier "$exe"
    wait_until notifier "socket $run/notifier.sock" socket_exists "$run/notifier.sock"
}

# start_nginx [restart]: the first start waits for a 200 from the health check
# (the whole stack works); a restart only for nginx to answer.
start_nginx() {
    local conf=$run/nginx.conf
    "$sb_root/scripts/render-nginx.sh" "$conf" >/dev/null || return 1
    local -a args=(-p "$run" -c "$conf" -e "$run/nginx-error.log")
    if ! "$nginx_exe" -t -q "${args[@]}"; then
        say "nginx rejected $conf"
        return 1
    fi
    start_service nginx "$nginx_exe" "${args[@]}"
    if [[ ${1:-} == restart ]]; then
        wait_until nginx "answer on $sb_base_url" http_answers
    else
        wait_until nginx "200 from $sb_base_url/api/v1/health" health_ok
    fi
}

start_all() {
    start_worker && start_notifier && start_nginx
}

# reap_group NAME PID: a service leads a process group of its own (setsid);
# kill what is left of it (nginx workers outlive a killed master and keep
# serving) and forget the service.
reap_group() {
    kill -KILL -- "-$2" 2>/dev/null
    unset "pid_of[$1]" "name_of[$2]"
    rm -f "$run/$1.pid"
}

# $why: "killed by SIGKILL" for a status above 128, else nothing.
signal_note() {
    why=""
    (($1 > 128)) || return 0
    local -a names=([1]=HUP [2]=INT [3]=QUIT [4]=ILL [5]=TRAP [6]=ABRT [7]=BUS [8]=FPE [9]=KILL [11]=SEGV
        [13]=PIPE [15]=TERM [24]=XCPU [25]=XFSZ)
    local n=$(($1 - 128))
    why="killed by ${names[n]:+SIG${names[n]}}"
    [[ -n ${names[n]:-} ]] || why+="signal $n"
}

# $ms: milliseconds as "1.6 s".
ms_text() { printf -v ms '%d.%d s' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# schedule_restart NAME WHAT [WHY]: the service is down (already reaped); start
# it again after its backoff delay. Logs "WHAT; restarting it in D s (WHY; death N
# in a row)".
schedule_restart() {
    local name=$1 what=$2 why=${3:+$3; } now up_us delay ms
    now_us
    up_us=$((now - ${started_us[$name]:-$now}))
    if [[ -z ${delay_ms[$name]:-} ]] || ((up_us >= restart_stable_s * 1000000)); then
        delay=$restart_first_ms
        deaths[$name]=1
    else
        delay=$((delay_ms[$name] * 2))
        ((delay <= restart_max_ms)) || delay=$restart_max_ms
        deaths[$name]=$((${deaths[$name]:-0} + 1))
    fi
    delay_ms[$name]=$delay
    due_us[$name]=$((now + delay * 1000))
    [[ -n ${down_us[$name]:-} ]] || down_us[$name]=$now
    ms_text "$delay"
    local message="$what; restarting it in $ms (${why}death ${deaths[$name]} in a row)"
    say "$message"
    note "$name" "$message"
}

# Starts every service whose restart is due. A service that does not come up is
# scheduled again (with a longer delay).
restart_due() {
    local name now pid ms
    for name in "${start_order[@]}"; do
        [[ -n ${due_us[$name]:-} && -z $requested ]] || continue
        now_us
        ((now >= due_us[$name])) || continue
        unset "due_us[$name]"
        if "start_$name" restart; then
            now_us
            ms_text $(((now - down_us[$name]) / 1000))
            say "$name is back (pid ${pid_of[$name]}, $ms after it went down)"
            note "$name" "$name is back (pid ${pid_of[$name]})"
            unset "down_us[$name]"
            continue
        fi
        [[ -z $requested ]] || return 0
        pid=${pid_of[$name]:-}
        if [[ -n $pid ]]; then # started but never ready: give up on this one
            kill -KILL -- "-$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            reap_group "$name" "$pid"
        fi
        now_us
        started_us[$name]=$now # a failed start counts as a quick death
        schedule_restart "$name" "$name did not come back"
    done
}

# Keeps one sleep running until the next restart is due, at most half a
# second, so that `wait -n` returns then: a service that died while this script
# ran a command of its own (a restart) is reaped by bash without `wait -n` ever
# reporting it, and only reap_unreported finds it.
arm_timer() {
    if [[ -n $timer_pid ]]; then
        kill "$timer_pid" 2>/dev/null
        wait "$timer_pid" 2>/dev/null
        timer_pid=""
    fi
    local name next=""
    for name in "${!due_us[@]}"; do
        if [[ -z $next ]] || ((due_us[$name] < next)); then next=${due_us[$name]}; fi
    done
    local now wait_us=500000 fraction
    now_us
    if [[ -n $next ]] && ((next - now < wait_us)); then wait_us=$((next - now)); fi
    ((wait_us > 0)) || wait_us=0
    printf -v fraction '%06d' $((wait_us % 1000000))
    sleep "$((wait_us / 1000000)).$fraction" {stderr_fd}>&- &
    timer_pid=$!
}

# on_death NAME PID STATUS: a service died on its own.
on_death() {
    local name=$1 pid=$2 status=$3 log why
    reap_group "$name" "$pid"
    # Every service is restarted: the worker and the notifier keep nothing that
    # the database does not (a 2xx was committed; streams resume by
    # Last-Event-ID), and nginx holds no state at all.
    service_log "$name"
    if ((status != 0 && status != 137 && status != 143)); then show_tail "$log" 10; fi
    signal_note "$status"
    schedule_restart "$name" "$name (pid $pid) exited with status $status" "$why"
}

# Services that died without `wait -n` reporting it (see arm_timer).
reap_unreported() {
    local name pid status
    for name in "${!pid_of[@]}"; do
        pid=${pid_of[$name]}
        alive "$pid" && continue
        wait "$pid" 2>/dev/null
        status=$?
        on_death "$name" "$pid" "$status"
    done
}

# stop_service NAME SIGNAL GRACE: sends SIGNAL, waits up to GRACE seconds,
# then TERM, then KILL. Returns the service's exit status.
stop_service() {
    local name=$1 signal=$2 grace=$3
    local pid=${pid_of[$name]:-}
    [[ -n $pid ]] || return 0
    trace "stopping $name (pid $pid, SIG$signal)"
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
        wait "$pid" 2>/dev/null
        status=$?
        # Above 128 is either the service's death by a signal or a signal to
        # us interrupting the wait: only the latter leaves it running.
        if ((status <= 128)) || ! kill -0 "$pid" 2>/dev/null; then break; fi
    done
    kill "$watchdog" 2>/dev/null
    wait "$watchdog" 2>/dev/null
    reap_group "$name" "$pid"
    trace "$name stopped (status $status)"
    return "$status"
}

# Stops every service still running, nginx first so that requests in flight
# reach a live worker. Returns non-zero when one did not stop cleanly.
stop_all() {
    local name status failed=0
    if [[ -n $timer_pid ]]; then
        kill "$timer_pid" 2>/dev/null
        wait "$timer_pid" 2>/dev/null
        timer_pid=""
    fi
    due_us=()
    for name in "${stop_order[@]}"; do
        [[ -n ${pid_of[$name]:-} ]] || continue
        case $name in
            nginx) stop_service nginx QUIT 15 ;;
            *) stop_service "$name" TERM 20 ;;
        esac
        status=$?
        if ((status != 0)); then
            say "$name exited with status $status while stopping"
            service_log "$name"
            show_tail "$log"
            failed=1
        fi
    done
    rm -f "$run/worker.sock" "$run/notifier.sock" "$run/notify.dgram"
    return "$failed"
}

mkdir -p "$run" || sb_die "cannot create $run"
chmod 700 "$run"
for name in "${stop_order[@]}"; do
    if [[ -f $run/$name.pid ]] && pid=$(<"$run/$name.pid") && [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        sb_die "a stack already runs in $run ($name pid $pid); stop it first or use another SWITCHBOARD_RUN_DIR"
    fi
done

on_signal() { [[ -n $requested ]] || requested=$1; }
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

if ! start_all; then
    if [[ -n $requested ]]; then
        stop_all
        exit $?
    fi
    say "startup failed"
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
    if [[ -z $requested ]]; then
        reap_unreported
        restart_due
        arm_timer
    fi
    died="" status=0
    if [[ -z $requested ]]; then
        { wait -n -p died; } 2>/dev/null # (bash would print "Killed")
        status=$?
    fi
    if [[ -n $requested ]]; then
        say "stopping (SIG$requested)"
        stop_all
        exit $?
    fi
    if [[ -z $died ]]; then
        ((status == 127)) || continue # interrupted by an untrapped event
        say "no service left to supervise"
        exit 1
    fi
    if [[ $died == "$timer_pid" ]]; then
        timer_pid=""
        continue
    fi
    name=${name_of[$died]:-}
    [[ -n $name ]] || continue # a helper process, not a service
    on_death "$name" "$died" "$status"
done
