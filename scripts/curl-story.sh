#!/usr/bin/env bash
# Walks the whole support story with curl against a running stack, printing
# each step: a customer starts a chat, asks the bot (quick reply and free
# text), asks for a person; an agent logs in, finds the chat in the queue,
# claims it, replies; the customer answers; the agent closes the chat.
# Exits non-zero at the first unexpected answer.
#
#   SWITCHBOARD_AGENT_PASSWORD=... scripts/curl-story.sh [agent-username]
#
# Target: http://${SWITCHBOARD_HOST:-127.0.0.1}:${SWITCHBOARD_PORT:-8080}.
# Needs curl and python3 (for reading JSON fields).
set -euo pipefail

base="http://${SWITCHBOARD_HOST:-127.0.0.1}:${SWITCHBOARD_PORT:-8080}/api/v1"
agent_user=${1:-agent}
agent_password=${SWITCHBOARD_AGENT_PASSWORD:?set SWITCHBOARD_AGENT_PASSWORD to the password of the agent account}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
body=$work/body

step() { printf '\n== %s\n' "$*"; }
fail() {
    printf 'curl-story: %s\n' "$*" >&2
    [[ -s $body ]] && printf 'curl-story: last answer: %s\n' "$(head -c 2000 "$body")" >&2
    exit 1
}

# call EXPECTED_STATUS METHOD PATH [JSON] [curl args...]: prints the request,
# stores the answer in $body, fails on any other status.
call() {
    local expected=$1 method=$2 path=$3 data=$4
    shift 4
    local -a args=(-sS -o "$body" -w '%{http_code}' -X "$method" "$@")
    if [[ -n $data ]]; then args+=(-H 'Content-Type: application/json' --data "$data"); fi
    printf '%s %s %s\n' "$method" "$path" "$data"
    local status
    status=$(curl "${args[@]}" "$base$path") || fail "curl failed for $method $path"
    printf '  -> %s %s\n' "$status" "$(head -c 300 "$body")"
    [[ $status == "$expected" ]] || fail "$method $path answered $status, expected $expected"
}

# json EXPR [VALUE...]: evaluates a Python expression on the last answer,
# bound to `d`, with the VALUEs in the list `a`; prints the result.
json() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
a = sys.argv[3:]
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))' "$body" "$@" ||
        fail "could not read $1 from the answer"
}

# expect EXPR [VALUE...]: fails unless the expression is true for the last answer.
expect() {
    local expr=$1
    shift
    [[ $(json "bool($expr)" "$@") == true ]] || fail "expected $expr ${*:+(a = $*)}"
}

step "The customer opens the widget: quick questions"
call 200 GET /customer/quick-questions ''
slug=$(json 'd[0]["slug"]')
question=$(json 'd[0]["question"]')

step "The customer starts a conversation (the bot says hello)"
call 200 POST /customer/conversations/start '{}'
conv=$(json 'd["conversation"]["id"]')
session=$(json 'd["conversation"]["customer_session_id"]')
expect 'd["conversation"]["status"] == "automated"'
expect 'd["messages"] and d["messages"][0]["sender_type"] == "bot"'
customer=(-H "X-Customer-Session-Id: $session")

step "The customer taps a quick question: \"$question\""
call 200 POST "/customer/conversations/$conv/quick-replies/$slug" '' "${customer[@]}"
expect 'd["bot_message"] is not None and d["bot_message"]["sender_type"] == "bot"'

step "The customer types a question of their own"
call 200 POST "/customer/conversations/$conv/messages" '{"content": "Can I pay with seashells?", "client_message_id": "story-'"${conv:0:8}"'-1"}' "${customer[@]}"
expect 'd["customer_message"]["content"] == "Can I pay with seashells?"'

step "The customer asks for a person"
call 200 GET /customer/widget-config ''
call 200 POST "/customer/conversations/$conv/escalate" '{"message": "Please get back to me about payment."}' "${customer[@]}"
expect 'd["status"] == "agent"'
if [[ $(json 'd["needs_contact"]') == True ]]; then
    echo "  (nobody is online: the chat waits in the queue as an offline message, and asks for an e-mail address)"
    step "The customer leaves an e-mail address to be answered at"
    call 200 POST "/customer/conversations/$conv/contact" '{"email": "sam@example.com", "name": "Sam", "source": "offline"}' "${customer[@]}"
fi

step "The agent logs in"
login=$(python3 -c 'import json, sys; print(json.dumps({"username": sys.argv[1], "password": sys.argv[2]}))' "$agent_user" "$agent_password")
call 200 POST /agent/auth/login "$login"
token=$(json 'd["access_token"]')
agent_id=$(json 'd["agent"]["id"]')
auth=(-H "Authorization: Bearer $token")

step "Is the conversation waiting in the queue, or did routing assign it?"
call 200 GET "/customer/conversations/$conv" '' "${customer[@]}"
assigned=$(json 'd["assigned_agent_id"] or ""')
if [[ -z $assigned ]]; then
    call 200 GET /agent/queue '' "${auth[@]}"
    expect 'any(item["id"] == a[0] for item in d["items"])' "$conv"
    step "The agent claims the conversation"
    call 200 POST "/agent/conversations/$conv/claim" '' "${auth[@]}"
    expect 'd["conversation"]["assigned_agent_id"] == a[0]' "$agent_id"
elif [[ $assigned != "$agent_id" ]]; then
    fail "routing gave the conversation to another agent ($assigned); try again with that agent offline or with SWITCHBOARD_ROUTING=manual"
else
    echo "  (auto routing already assigned it to $agent_user)"
fi

step "The agent reads the conversation"
call 200 GET "/agent/conversations/$conv/messages" '' "${auth[@]}"
expect 'any(m["sender_type"] == "customer" for m in d["messages"])'

step "The agent replies"
call 200 POST "/agent/conversations/$conv/messages" '{"content": "Hi! Seashells, sadly not. Cards and bank transfer work.", "client_message_id": "story-'"${conv:0:8}"'-agent-1"}' "${auth[@]}"
expect 'd["message"]["sender_type"] == "agent"'

step "The customer sees the reply and answers (the bot stays quiet)"
call 200 GET "/customer/conversations/$conv/messages" '' "${customer[@]}"
expect 'any(m["sender_type"] == "agent" for m in d["messages"])'
call 200 POST "/customer/conversations/$conv/messages" '{"content": "Thanks, a card it is."}' "${customer[@]}"
expect 'd["bot_message"] is None'

step "The agent closes the conversation"
call 200 POST "/agent/conversations/$conv/close" '' "${auth[@]}"
expect 'd["conversation"]["status"] == "closed"'

step "The customer can no longer write"
call 409 POST "/customer/conversations/$conv/messages" '{"content": "One more thing"}' "${customer[@]}"
expect 'set(d) >= {"detail", "code"}'

step "The agent logs out"
call 204 POST /agent/auth/logout '' "${auth[@]}"
call 401 GET /agent/me '' "${auth[@]}"

printf '\ncurl-story: the whole story passed (conversation %s)\n' "$conv"
