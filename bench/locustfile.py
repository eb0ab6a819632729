"""The HTTP load of `make bench` (bench/load.py starts it): 100 simulated users,
70 % pupils browsing their timeline and adding entries, 25 % teachers following
their class, 5 % the school team on the overview.

Each simulated user takes an account prepared by bench/load.py (a session
opened through Django's session engine; the login itself is the SSO figure),
listed in the JSON file named by BENCH_USERS. Adding an entry goes through the
API (JSON, session + CSRF as the pages' scripts do).
"""

import datetime
import itertools
import json
import os
import random
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

with open(os.environ["BENCH_USERS"], encoding="utf-8") as handle:
    ACCOUNTS = json.load(handle)
POOLS = {
    role: itertools.cycle([a for a in ACCOUNTS if a["role"] == role])
    for role in ("pupil", "teacher", "team")
}
PARIS = ZoneInfo("Europe/Paris")
CSRF = "benchcsrfsecret0123456789abcdefg"  # any 32 letters: cookie and header agree


class Account(HttpUser):
    abstract = True
    # A person reads the page before the next click: 2 to 8 s (5 s on average,
    # so 100 users ask for about 20 pages a second).
    wait_time = between(2, 8)
    role = ""

    def on_start(self) -> None:
        self.account = next(POOLS[self.role])
        self.client.cookies.set("sessionid", self.account["session"])
        self.client.cookies.set("csrftoken", CSRF)

    def page(self, key: str, name: str | None = None) -> None:
        url = self.account["urls"][key]
        if isinstance(url, list):
            url = random.choice(url)  # noqa: S311 - not for security
        # Redirects are followed (the school space sends a one-school team
        # member to their school); ending on the login page is an error.
        with self.client.get(url, name=name or key, catch_response=True) as response:
            if response.status_code != 200 or "/accounts/login" in response.url:
                response.failure(f"{response.status_code} on {url} → {response.url}")


class Pupil(Account):
    fixed_count = 70
    role = "pupil"

    @task(5)
    def timeline(self) -> None:
        self.page("timeline")

    @task(3)
    def entry(self) -> None:
        self.page("entries", "entry detail")

    @task(1)
    def project(self) -> None:
        self.page("project")

    @task(1)
    def api_list(self) -> None:
        self.page("api_entries")

    @task(2)
    def add_entry(self) -> None:
        with self.client.post(
            self.account["urls"]["api_create"],
            json={
                "kind": "forum",
                "title": "Charge : forum des métiers",
                "start_date": datetime.datetime.now(tz=PARIS).date().isoformat(),
                "what_i_learned": "Ce que j'ai appris au forum.",
                "visibility": "shared",
            },
            headers={"X-CSRFToken": CSRF},
            name="add entry (API)",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:200]}")


class Teacher(Account):
    fixed_count = 25
    role = "teacher"

    @task(2)
    def my_classes(self) -> None:
        self.page("my_classes")

    @task(3)
    def class_progress(self) -> None:
        self.page("class_progress")

    @task(3)
    def pupil_portfolio(self) -> None:
        self.page("pupils", "pupil portfolio")


class Team(Account):
    fixed_count = 5
    role = "team"

    @task(1)
    def school_home(self) -> None:
        self.page("school_home")

    @task(2)
    def overview(self) -> None:
        self.page("overview")
