"""Compares how long a login takes for an unknown username and for a wrong password.

Both must cost one password hash, so an attacker cannot tell which usernames exist. Sends
N attempts of each, interleaved, one at a time, and prints the two medians and their
difference. Usage: login_timing.py BASE_URL USERNAME N
"""

import json
import statistics
import sys
import time
import urllib.error
import urllib.request


def attempt(base, username):
    body = json.dumps({"username": username, "password": "not-the-password"}).encode()
    request = urllib.request.Request(base + "/jwt/create/", body, {"Content-Type": "application/json"})
    started = time.perf_counter()
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        assert error.code == 401, error.code
    return (time.perf_counter() - started) * 1000


def main():
    base, username, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    unknown, wrong = [], []
    for i in range(count):
        unknown.append(attempt(base, f"nobody-{i}"))
        wrong.append(attempt(base, username))
    a, b = statistics.median(unknown), statistics.median(wrong)
    print(f"{a:.2f} {b:.2f} {100 * (a - b) / b:+.1f}")


if __name__ == "__main__":
    main()
