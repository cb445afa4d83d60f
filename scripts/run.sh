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
seed_output=$("$cli" seed --history)

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

# The demo shop's sign-ins (port 8081: "Sign in as Jamie", "Sign in as Sam"): tokens
# signed like a shop's server signs them, valid for a day, minted at every start. The
# shop fetches them from its own origin (nginx serves this file there).
"$cli" identity secret create --if-none >/dev/null
demo_token() { "$cli" identity token --sub "$1" --name "$2" --email "$3" --ttl 24h; }
mkdir -p "$SWITCHBOARD_RUN_DIR"
cat >"$SWITCHBOARD_RUN_DIR/demo-identities.json.tmp" <<JSON
{"identities": [
  {"sub": "customer-1", "name": "Jamie Rivera", "label": "Jamie", "token": "$(demo_token customer-1 'Jamie Rivera' jamie@example.com)"},
  {"sub": "customer-2", "name": "Sam Okafor", "label": "Sam", "token": "$(demo_token customer-2 'Sam Okafor' sam@example.com)"}
]}
JSON
mv "$SWITCHBOARD_RUN_DIR/demo-identities.json.tmp" "$SWITCHBOARD_RUN_DIR/demo-identities.json"
# Where the demo shop loads the widget from: this stack, whatever port it was given.
printf '{"switchboard_url": "%s"}\n' "$sb_base_url" >"$SWITCHBOARD_RUN_DIR/demo-shop.json.tmp"
mv "$SWITCHBOARD_RUN_DIR/demo-shop.json.tmp" "$SWITCHBOARD_RUN_DIR/demo-shop.json"
printf ' Demo shop sign-ins (Jamie: customer-1, Sam: customer-2): %s\n\n' "http://$sb_shop_hostport/"

exec "$sb_root/scripts/stack.sh"
