#!/usr/bin/env bash
# What `make run` does after the build: migrate the database (`switchboard migrate`,
# the only migrator: the seed needs the schema, and the worker refuses any other),
# seed the demo accounts and FAQs (showing the credentials), then run the stack in
# the foreground: scripts/stack.sh runs the production units of deploy/systemd with
# scripts/units.py (the worker's ExecStartPre= migrates again and finds nothing to
# do; a worker, notifier or nginx that dies is restarted with the units' backoff;
# Ctrl-C stops it).
#
#   SWITCHBOARD_BIN_DIR=.build/release scripts/run.sh
set -euo pipefail
# shellcheck source=scripts/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

cli=$SWITCHBOARD_BIN_DIR/switchboard
[[ -x $cli ]] || sb_die "$cli not found; build first (make run builds) or set SWITCHBOARD_BIN_DIR"

mkdir -p "$SWITCHBOARD_DATA_DIR"
"$cli" migrate
seed_output=$("$cli" seed)

# The seed prints "credentials: <user> <password>" for accounts whose password
# it set, "credentials: <user> (unchanged)" for the others.
bar='------------------------------------------------------------------'
printf '\n%s\n' "$bar"
printf ' Switchboard demo accounts (agent console: %s/agent/)\n\n' "$sb_base_url"
unchanged=0
while read -r label user password; do
    [[ $label == credentials: ]] || continue
    printf '   %-8s %s\n' "$user" "$password"
    [[ $password == "(unchanged"* ]] && unchanged=1
done <<<"$seed_output"
if ((unchanged)); then
    printf '\n Unchanged accounts keep the password shown when they were created.\n'
fi
printf '%s\n\n' "$bar"
# Anything else the seed said.
grep -v '^credentials: ' <<<"$seed_output" || true

exec "$sb_root/scripts/stack.sh"
