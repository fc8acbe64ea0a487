"""Counts the PostgreSQL round trips and statements of each request to Gatehouse.

  pg_round_trips.py proxy LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT CONTROL_PORT
      Forwards connections from LISTEN_PORT to PostgreSQL, reading what the client sends. A
      connection to CONTROL_PORT answers with what was sent since the last such connection
      (JSON: round trips, statements executed) and starts counting afresh.

  pg_round_trips.py measure CONTROL_PORT BASE_URL USERNAME PASSWORD
      Signs in through Gatehouse (which must use the proxy's port as its database), then makes
      each kind of request a few times and prints, per request, the round trips to the database
      and the statements it executed, as a Markdown table.

A round trip is a message after which the client waits for the server: Sync (the end of an
extended-protocol exchange: parse, bind, execute), Flush, or a simple Query. The connection
pool also sends a lone Sync (a ping) when a connection is given back: counted too, as it is
work for both sides, though the request does not wait for it.
"""

import asyncio
import json
import sys
import urllib.request

WAITS = {b"S", b"H", b"Q"}
SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST = 80877103, 80877104, 80877102


class Counts:
    def __init__(self):
        self.reset()

    def reset(self):
        self.round_trips = 0
        self.statements = []

    def report(self):
        out = {"round_trips": self.round_trips, "statements": self.statements}
        self.reset()
        return out


def cstring(payload, start):
    end = payload.index(b"\0", start)
    return payload[start:end].decode(), end + 1


async def client_to_server(reader, writer, counts):
    prepared = {}  # statement name -> text, per connection
    typed = False
    while True:
        if not typed:
            # The startup message, or a request for TLS first (which the server refuses with
            # one byte: these benchmarks connect with sslmode=disable or prefer to a server
            # without TLS on loopback).
            head = await reader.readexactly(4)
            body = await reader.readexactly(int.from_bytes(head, "big") - 4)
            writer.write(head + body)
            code = int.from_bytes(body[:4], "big")
            typed = code not in (SSL_REQUEST, GSS_REQUEST, CANCEL_REQUEST)
            await writer.drain()
            continue
        kind = await reader.readexactly(1)
        head = await reader.readexactly(4)
        payload = await reader.readexactly(int.from_bytes(head, "big") - 4)
        writer.write(kind + head + payload)
        if kind in WAITS:
            counts.round_trips += 1
        if kind == b"Q":
            counts.statements.append(cstring(payload, 0)[0])
        elif kind == b"P":
            name, rest = cstring(payload, 0)
            prepared[name] = cstring(payload, rest)[0]
            if name == "":
                counts.statements.append(prepared[name])
        elif kind == b"B":
            _, rest = cstring(payload, 0)
            name, _ = cstring(payload, rest)
            if name != "":
                counts.statements.append(prepared.get(name, "?"))
        elif kind == b"X":
            await writer.drain()
            writer.close()
            return
        await writer.drain()


async def server_to_client(reader, writer):
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()
    writer.close()


async def proxy(listen, host, port, control):
    counts = Counts()

    async def connection(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(host, port)
        up = asyncio.create_task(client_to_server(client_reader, server_writer, counts))
        down = asyncio.create_task(server_to_client(server_reader, client_writer))
        try:
            await asyncio.gather(up, down)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for task in (up, down):
                task.cancel()
            server_writer.close()
            client_writer.close()

    async def report(_reader, writer):
        writer.write((json.dumps(counts.report()) + "\n").encode())
        await writer.drain()
        writer.close()

    await asyncio.start_server(connection, "127.0.0.1", listen)
    await asyncio.start_server(report, "127.0.0.1", control)
    print("ready", flush=True)
    await asyncio.Event().wait()


def read_counts(control):
    import socket

    with socket.create_connection(("127.0.0.1", control)) as sock:
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data)


def call(base, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def measure(control, base, username, password):
    warm_up, times = 20, 7
    pair = call(base, "POST", "/jwt/create/", {"username": username, "password": password})
    refresh = pair["refresh"]
    state = {"refresh": refresh, "n": 0}

    def refresh_once():
        state["refresh"] = call(base, "POST", "/jwt/refresh/", {"refresh": state["refresh"]})["refresh"]

    def register():
        state["n"] += 1
        name = f"roundtrip{state['n']}"
        call(base, "POST", "/users/", {"username": name, "email": f"{name}@example.com", "password": "Bench-Passw0rd-2026", "re_password": "Bench-Passw0rd-2026"})

    runs = [
        ("`jwt/verify/`", lambda: call(base, "POST", "/jwt/verify/", {"token": pair["access"]})),
        ("`users/me/`", lambda: call(base, "GET", "/users/me/", token=pair["access"])),
        ("`jwt/refresh/` in a session", refresh_once),
        ("`jwt/create/` (login)", lambda: call(base, "POST", "/jwt/create/", {"username": username, "password": password})),
        ("`users/` (registration)", register),
        ("`users/me/sessions/`", lambda: call(base, "GET", "/users/me/sessions/", token=pair["access"])),
        ("`users/me/activity/`", lambda: call(base, "GET", "/users/me/activity/", token=pair["access"])),
    ]
    print("| request | round trips | statements |")
    print("|---|---:|---|")
    for label, run in runs:
        # Every connection of the pool prepares a statement on its first use of it: warm them.
        for _ in range(warm_up):
            run()
        # Background work (the revocation poll, the outbox) may land in one measurement: the
        # count seen most often is the request's own.
        seen = []
        for _ in range(times):
            read_counts(control)
            run()
            counts = read_counts(control)
            seen.append((counts["round_trips"], tuple(counts["statements"])))
        round_trips, statements = max(seen, key=seen.count)
        shown = "; ".join(shorten(text) for text in statements) or "none"
        print(f"| {label} | {round_trips} | {shown} |")


def shorten(text):
    words = " ".join(text.split())
    return "`" + (words if len(words) <= 60 else words[:57] + "...") + "`"


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "proxy":
        asyncio.run(proxy(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])))
    elif mode == "measure":
        measure(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        sys.exit(__doc__)
