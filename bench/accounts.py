"""Adds COUNT accounts to a Gatehouse SQLite database, as many as a staff console searches
through, and writes a mix of the searches staff type to SEARCHES: the start of a username, of an
e-mail address, a first name, a last name (from few matches to thousands), and the first and
second page of every account.

Usage: accounts.py DATABASE COUNT SEARCHES"""
import random
import sqlite3
import sys
import time
import urllib.parse

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Frances", "Edsger",
         "Radia", "Donald", "Hedy", "John", "Katherine", "Tim", "Sophie", "Guido", "Anita", "Bjarne"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson",
        "Allen", "Dijkstra", "Perlman", "Knuth", "Lamarr", "Backus", "Johnson", "Berners-Lee",
        "Wilson", "van Rossum", "Borg", "Stroustrup"] + [f"Family{n:03d}" for n in range(480)]
# Any stored hash: the accounts are searched, not signed in to.
HASH = "pbkdf2_sha256$1000$saltsaltsalt$4u0f3jmYhHbmOw7hbcoBpQqTFbVb0hY7GbV8bUlx9XQ="

database, count, searches = sys.argv[1], int(sys.argv[2]), sys.argv[3]
random.seed(7)
db = sqlite3.connect(database)
now = int(time.time() * 1_000_000)
rows = [(f"member{n:06d}", f"member{n:06d}@{random.choice(['example.com', 'mail.example', 'corp.example'])}",
         random.choice(FIRST), random.choice(LAST), HASH, 1, 0, 0, now) for n in range(count)]
db.executemany(
    "INSERT INTO users (username, email, first_name, last_name, password, is_active, is_staff, is_superuser, "
    "date_joined) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.commit()

queries = []
for _ in range(400):
    n = random.randrange(count)
    queries.append({"search": f"member{n:06d}"[: random.choice([9, 10, 11, 12])]})
    queries.append({"search": f"Member{n:06d}@"[: random.choice([10, 12, 13])]})
    queries.append({"search": random.choice(LAST)[: random.choice([3, 5, 20])]})
    queries.append({"search": random.choice(FIRST)[:3].lower()})
queries += [{}, {"page": "2"}, {"search": "member", "page": "3"}] * 10
random.shuffle(queries)
with open(searches, "w") as out:
    out.writelines(urllib.parse.urlencode(query) + "\n" for query in queries)
