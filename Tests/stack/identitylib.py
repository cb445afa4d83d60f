"""Known customers (docs/API.md "Known customers") for the stack tests: identity
secrets made through the admin API, identity tokens signed with PyJWT the way a shop's
server signs them, and customer logins.

A signed-in device is a `stacklib.Chat` (conversation id, this device's session id, the
login's answer), so the customer helpers and `sselib.customer_stream` take it as is."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
import requests

from stacklib import Chat, ok

LOGIN = "/api/v1/customer/login"
LOGOUT = "/api/v1/customer/logout"
SECRETS = "/api/v1/admin/identity/secrets"


@dataclass
class Secret:
    """An identity secret as `POST /api/v1/admin/identity/secrets` showed it (the only time)."""

    id: str
    secret: str
    created_at: str


def new_secret(stack) -> Secret:
    body = ok(stack.post(SECRETS, token=stack.admin.token), 201)
    return Secret(body["id"], body["secret"], body["created_at"])


def delete_secret(stack, secret_id: str) -> requests.Response:
    return stack.request("DELETE", f"{SECRETS}/{secret_id}", token=stack.admin.token)


def sign(secret: Secret, sub: str, *, iat: int | None = None, exp: int | None = None, kid: str | None | bool = True,
         key: str | None = None, algorithm: str = "HS256", **claims: Any) -> str:
    """An identity token as the shop signs it (API.md's Python example): HS256 with the
    secret, `kid` its id (kid=False: none; a string: that one), valid for an hour unless
    iat/exp say otherwise. `key` signs with other bytes than the secret's."""
    now = int(time.time())
    iat = now if iat is None else iat
    payload = {"sub": sub, "iat": iat, "exp": iat + 3600 if exp is None else exp, **claims}
    headers = {}
    if kid is True:
        headers["kid"] = secret.id
    elif isinstance(kid, str):
        headers["kid"] = kid
    return jwt.encode(payload, secret.secret if key is None else key, algorithm=algorithm, headers=headers)


def b64url(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unsigned(secret: Secret, sub: str) -> str:
    """`alg: none`: a header, a payload and an empty signature."""
    now = int(time.time())
    return f"{b64url({'alg': 'none', 'typ': 'JWT', 'kid': secret.id})}.{b64url({'sub': sub, 'iat': now, 'exp': now + 3600})}."


def tampered(token: str, **changes: Any) -> str:
    """The token with its payload changed after signing (the signature kept)."""
    head, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{head}.{b64url(claims)}.{signature}"


def login(stack, *, token: str | None = None, customer_id: str | None = None, officer_id: str | None = None,
          anonymous_session: str | None = None) -> requests.Response:
    body: dict[str, Any] = {}
    if token is not None:
        body["identity_token"] = token
    if customer_id is not None:
        body["customer_id"] = customer_id
    if officer_id is not None:
        body["officer_id"] = officer_id
    return stack.post(LOGIN, json=body, session=anonymous_session)


def device(answer: dict) -> Chat:
    """A signed-in device from a login's answer: its conversation and its own session id."""
    return Chat(answer["conversation"]["id"], answer["customer_session_id"], answer)


def signed_in(stack, secret: Secret, sub: str, *, officer_id: str | None = None,
              anonymous_session: str | None = None, **claims: Any) -> Chat:
    """Logs a device in with a fresh token for `sub`."""
    return device(ok(login(stack, token=sign(secret, sub, **claims), officer_id=officer_id,
                           anonymous_session=anonymous_session)))


def logout(stack, session_id: str) -> requests.Response:
    return stack.post(LOGOUT, session=session_id)


def contact_id(chat: Chat) -> str:
    return chat.start["contact"]["id"]


def new_sub() -> str:
    """A shop customer id nobody has used."""
    return f"shop-customer-{uuid.uuid4().hex}"
