"""A webhook receiver for the benchmark: answers 204 to every POST and counts them.

  webhook_receiver.py PORT COUNT_FILE   (the count is written when the process is stopped)
"""

import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = 0


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global received
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_):
        pass


def stop(*_):
    with open(sys.argv[2], "w") as out:
        out.write(f"{received}\n")
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
