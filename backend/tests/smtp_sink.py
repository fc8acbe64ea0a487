"""A real SMTP server for the e-mail tests (aiosmtpd), with AUTH LOGIN/PLAIN.

Usage: smtp_sink.py PORT FOLDER. Each message accepted is written to FOLDER as NNNN.eml,
headed by X-Envelope-From and X-Envelope-To lines. Prints READY once listening and runs
until its standard input closes.
"""

import os
import pathlib
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = b"mailer"
PASSWORD = b"s3cret"


class Sink:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = self.folder / f"{self.count:04}.eml"
        partial = self.folder / f".{self.count:04}.partial"
        head = f"X-Envelope-From: {envelope.mail_from}\r\nX-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n"
        partial.write_bytes(head.encode() + envelope.original_content)
        os.replace(partial, path)
        return "250 Message accepted for delivery"


def authenticate(server, session, envelope, mechanism, auth_data):
    valid = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=valid)


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(
        Sink(folder),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    print("READY", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
