"""Writes N SimpleJWT refresh tokens for one user, one per line, signed with SECRET_KEY.

The refresh benchmark spends each token once (rotation blacklists it), so it needs many;
minting them here costs microseconds instead of a password hash per login.
Usage: mint_tokens.py SECRET_KEY USER_ID N OUT
"""

import base64
import hashlib
import hmac
import json
import sys
import time
import uuid


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main():
    secret, user_id, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    now = int(time.time())
    with open(out, "w") as handle:
        for _ in range(count):
            payload = {"token_type": "refresh", "exp": now + 86400, "iat": now, "jti": uuid.uuid4().hex, "user_id": user_id}
            signing_input = header + "." + b64(json.dumps(payload, separators=(",", ":")).encode())
            signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
            handle.write(signing_input + "." + b64(signature) + "\n")


if __name__ == "__main__":
    main()
