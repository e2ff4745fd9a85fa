"""One-shot job: register the service deployments with restate-server, then seed the bookings.

Runs after the services report healthy (compose `depends_on: condition: service_healthy`);
the admin API may still be finishing its start, so each request is retried for a bounded time.
"""

import base64
import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request

ADMIN = os.environ.get("RESTATE_ADMIN_URL", "http://restate:9070")
INGRESS = os.environ.get("RESTATE_INGRESS_URL", "http://restate:8080")
DEPLOYMENTS = os.environ.get(
    "DEPLOYMENTS", "http://agent-lb:9080,http://seating-lb:9081,http://invoicing-lb:9082"
).split(",")


def post(url: str, body: bytes | None, headers: dict[str, str]) -> int:
    """POST, retrying connection errors and 5xx/404 for up to 60 s; return the status."""
    deadline = time.monotonic() + 60
    while True:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            if error.code not in (404, 500, 502, 503) or time.monotonic() > deadline:
                sys.exit(f"register: {url} answered {error.code}: {error.read().decode()}")
        except OSError as error:
            if time.monotonic() > deadline:
                sys.exit(f"register: cannot reach {url}: {error}")
        time.sleep(0.5)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def operator_token(secret: str, ttl_s: int = 60) -> str:
    """A one-minute proof of the supervisor credential: an HS256 JWT (RFC 7519) signed with it.

    This job has only the standard library; the services verify the token with PyJWT.
    """
    now = int(time.time())
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64(json.dumps({"aud": "airline-operator", "iat": now, "exp": now + ttl_s}).encode())
    signed = f"{header}.{claims}".encode()
    signature = _b64(hmac.new(secret.encode(), signed, hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


def main() -> None:
    for uri in DEPLOYMENTS:
        body = json.dumps({"uri": uri.strip(), "force": True}).encode()
        status = post(f"{ADMIN}/deployments", body, {"content-type": "application/json"})
        print(f"register: {uri} -> {status}", flush=True)
    # SeatingAdmin/seed takes no input; the idempotency key makes a re-run a no-op. Seeding is
    # an operator action: it proves the supervisor credential.
    secret = os.environ.get("SUPERVISOR_TOKEN", "")
    if not secret:
        sys.exit(
            "register: no SUPERVISOR_TOKEN (compose/.secrets/airline.env): run make compose-up"
        )
    headers = {"idempotency-key": "seed-v1", "x-supervisor-token": operator_token(secret)}
    status = post(f"{INGRESS}/SeatingAdmin/seed", None, headers)
    print(f"register: seeded bookings -> {status}", flush=True)


if __name__ == "__main__":
    main()
