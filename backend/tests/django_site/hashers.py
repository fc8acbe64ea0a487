"""Django's default hasher at the cost the test asks for (DJANGO_PBKDF2_ITERATIONS): a
Django-sized cost makes every test slow, and Gatehouse is told the same count."""

import os

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class TestPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = int(os.environ.get("DJANGO_PBKDF2_ITERATIONS", PBKDF2PasswordHasher.iterations))
