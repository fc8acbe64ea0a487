"""Adds an authenticator app to an account, as a person does in the app: starts it, then confirms
it with the current code computed from its key (RFC 6238: SHA-1, six digits, 30 s).

  second_factor.py BASE_URL USERNAME PASSWORD
"""

import base64
import hashlib
import hmac
import json
import struct
import sys
import time
import urllib.request


def call(url, body, token=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def code(key, at):
    digest = hmac.new(base64.b32decode(key + "=" * (-len(key) % 8)), struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


base, username, password = sys.argv[1:4]
access = call(base + "/jwt/create/", {"username": username, "password": password})["access"]
started = call(base + "/users/me/mfa/totp/", {}, access)
call(base + "/users/me/mfa/totp/confirm/", {"id": started["id"], "code": code(started["key"], time.time())}, access)
