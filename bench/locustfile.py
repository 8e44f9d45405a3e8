"""One page under load, for bench/load.py: each simulated user asks for it again as soon as the answer is in.

BENCH_PAGE names the page (login, home, plan, case); BENCH_VISITORS is a JSON file of signed-in visitors, each a
session cookie and the code of their own case, handed out in turn so that every user is someone else.
Run by locust in its own process (gevent patches the standard library; nothing of Django is imported here).
"""

import itertools
import json
import os

from locust import HttpUser, constant, task

PAGE = os.environ.get("BENCH_PAGE", "login")
with open(os.environ["BENCH_VISITORS"], encoding="utf-8") as handle:
    VISITORS = itertools.cycle(json.load(handle))

PATHS = {
    "login": "/accounts/login/",
    "home": "/",
    "plan": "/cases/{case}/wizard/plan/",
    "case": "/cases/{case}/",
}


class Visitor(HttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        visitor = next(VISITORS)
        self.path = PATHS[PAGE].format(case=visitor["case"])
        if PAGE != "login":  # the baseline is what anyone may ask for: no session
            self.client.cookies.set("sessionid", visitor["session"])

    @task
    def page(self) -> None:
        with self.client.get(self.path, name=PAGE, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {self.path}")
