"""Writes the accounts and tokens a Django deployment would have, through Django itself, and
prints what the test needs as one JSON line.

Run as `python fixture.py` with the environment of settings.py.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

PASSWORD = "Django-era-passw0rd"
HASHERS = {
    "pbkdf2": "pbkdf2_sha256",
    "sha1": "pbkdf2_sha1",
    "argon": "argon2",
    "bcrypt": "bcrypt_sha256",
    "scrypt": "scrypt",
    "legacy": "md5",
}

call_command("migrate", verbosity=0)
for username, hasher in HASHERS.items():
    User.objects.create(
        username=username,
        email=f"{username}@example.com",
        password=make_password(PASSWORD, hasher=hasher),
        is_active=True,
    )
alice = User.objects.get(username="pbkdf2")
signed_out = RefreshToken.for_user(alice)
signed_out.blacklist()
live = RefreshToken.for_user(alice)
print(json.dumps({"password": PASSWORD, "signed_out": str(signed_out), "live": str(live)}))
