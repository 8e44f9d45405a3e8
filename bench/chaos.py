"""`make chaos`: the app's processes started as the Procfile starts them, on a Redis server and a SQLite file of
their own (port CHAOS_REDIS_PORT, 6390 by default: never the shared 6379), then broken one part at a time while a
document is being made, printing what survived and how long each recovery took:

1. a worker's pool processes killed mid-render (the kernel's OOM killer, a crash in a C library);
2. the whole worker killed mid-render and started again (a machine restarted);
3. Redis stopped while "generate" is pressed, then started again;
4. the database made unreachable (its folder moved away) while pages are asked for, then given back.

It takes two to three minutes, most of it waiting for beat's next sweep after Redis is back.
"""

import http.cookiejar
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REDIS_PORT = int(os.environ.get("CHAOS_REDIS_PORT", "6390"))
PROMISED_SECONDS = 15  # a killed render is ready within this long of a worker being there again


class ChaosError(Exception):
    pass


def say(message: str) -> None:
    print(f"chaos: {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile(name: str, **variables: str) -> list[str]:
    """The Procfile's command for `name`, its ${NAME:-default} filled in as a shell would."""
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{name}:"):
            command = line.split(":", 1)[1].strip()
            command = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: variables.get(m.group(1), m.group(2)), command)
            return shlex.split(command)
    raise ChaosError(f"the Procfile has no {name}: line")


@dataclass
class Process:
    """One of the app's processes, in a process group of its own so that it can be killed with its children."""

    name: str
    command: list[str]
    environment: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> None:
        handle = open(self.log, "a")  # noqa: SIM115 (the process writes to it for its whole life)
        self.popen = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=self.environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()
        self.popen = None

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.popen = None

    def children(self) -> list[int]:
        """The pool processes of a prefork worker: the direct children of its main process."""
        if self.popen is None:
            return []
        path = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


@dataclass
class Browser:
    """A signed-in visitor: its session cookie, the CSRF cookie the pages set, and the language it asks for."""

    host: str
    session: str
    language: str = "zh-hans"
    jar: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirects)

    def request(self, path: str, *, data: bytes | None = None, language: str | None = None) -> tuple[int, str, float]:
        cookies = [f"sessionid={self.session}", *(f"{c.name}={c.value}" for c in self.jar)]
        headers = {"Cookie": "; ".join(cookies), "Accept-Language": language or self.language}
        if data is not None:
            headers["X-CSRFToken"] = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        request = urllib.request.Request(self.host + path, data=data, headers=headers)  # noqa: S310 (our server)
        start = time.monotonic()
        try:
            with self.opener.open(request, timeout=60) as response:
                body = response.read().decode()
                return response.status, body, time.monotonic() - start
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), time.monotonic() - start


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Outcome:
    fault: str
    survived: str
    recovery: str
    ok: bool


class Stage:
    """The running app: Redis, the database file, gunicorn, the worker and beat, and the sample case."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.database_folder = directory / "db"
        self.database_folder.mkdir()
        self.redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "huabei_negotiate.settings_test",
            "DATABASE_URL": f"sqlite:///{self.database_folder / 'chaos.sqlite3'}",
            "MEDIA_ROOT": str(directory / "media"),
            "TEST_REDIS_URL": self.redis_url,
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_RESULT_BACKEND": self.redis_url,
            "CACHE_URL": self.redis_url,
            "LOG_LEVEL": "WARNING",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
        }
        redis = shutil.which("redis-server") or "redis-server"
        redis_command = [redis, "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.redis = Process("redis", [*redis_command, "--dir", str(directory)], self.environment, self.log("redis"))
        self.web = Process(
            "web", procfile("web", HOST="127.0.0.1", PORT=str(self.port)), self.environment, self.log("web")
        )
        self.worker = Process("worker", procfile("worker"), self.environment, self.log("worker"))
        beat = procfile("beat")
        beat[beat.index("--schedule") + 1] = str(directory / "celerybeat-schedule")
        self.beat = Process("beat", beat, self.environment, self.log("beat"))

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def up(self) -> None:
        with socket.socket() as probe:
            taken = probe.connect_ex(("127.0.0.1", REDIS_PORT)) == 0
        if taken:
            raise ChaosError(f"something already listens on port {REDIS_PORT}: set CHAOS_REDIS_PORT to a free one")
        self.redis.start()
        wait_for_port(REDIS_PORT)
        os.environ.update({k: v for k, v in self.environment.items() if k not in ("HOST", "PORT")})
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self.seed()
        from django.db import connections

        connections.close_all()
        for process in (self.web, self.worker, self.beat):
            process.start()
        self.wait_for_web()
        self.wait_for_worker()

    def seed(self) -> None:
        from django.test import Client

        from accounts.models import User
        from cases import samples

        user = User.objects.create_user(email="chaos@example.com", password="chaos-password-long")
        self.case = samples.sample_case(owner=user, title="花呗和信用卡协商")
        self.lender = samples.sample_lender(self.case)
        client = Client()
        client.force_login(user)
        self.browser = Browser(self.host, client.cookies["sessionid"].value)

    def wait_for_web(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if self.browser.request(self.case_path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise ChaosError(f"gunicorn did not answer within {seconds} s (see {self.web.log})")

    def wait_for_worker(self, seconds: float = 60) -> float:
        """Until the worker has its pool up and answers a ping; how long that took."""
        from huabei_negotiate.celery import app

        start = time.monotonic()
        while time.monotonic() - start < seconds:
            if app.control.ping(timeout=0.5):
                return time.monotonic() - start
        raise ChaosError(f"the worker did not answer within {seconds} s (see {self.worker.log})")

    @property
    def case_path(self) -> str:
        return f"/cases/{self.case.code}/"

    @property
    def generate_path(self) -> str:
        return f"/cases/{self.case.code}/lenders/{self.lender.code}/documents/proposal/generate/"

    def press_generate(self) -> tuple[int, str, float]:
        self.browser.request(self.case_path)  # the page sets the CSRF cookie, as in a browser
        return self.browser.request(self.generate_path, data=b"")

    def versions(self):
        from cases.models import GeneratedDocument

        return GeneratedDocument.objects.filter(case=self.case, creditor=self.lender).order_by("version")

    def wait_for(self, condition, seconds: float, step: float = 0.02):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = condition()
            if found:
                return found
            time.sleep(step)
        return None

    def down(self) -> None:
        for process in (self.beat, self.worker, self.web, self.redis):
            process.stop()


def wait_for_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ChaosError(f"nothing listens on port {port} after {seconds} s")


def running_version(stage: Stage, before: set[int]):
    return stage.versions().exclude(pk__in=before).filter(status="running").first()


def finished(document):
    document.refresh_from_db()
    return document if document.is_finished else None


def new_render(stage: Stage) -> tuple[object, set[int]]:
    """Press generate and wait until a worker has claimed the new version: a render under way."""
    before = set(stage.versions().values_list("pk", flat=True))
    status, _body, _seconds = stage.press_generate()
    if status != 302:
        raise ChaosError(f"generate answered {status}")
    document = stage.wait_for(lambda: running_version(stage, before), 30)
    if document is None:
        raise ChaosError("no worker claimed the new version within 30 s")
    return document, before


def kill_pool_mid_render(stage: Stage) -> Outcome:
    document, before = new_render(stage)
    pool = stage.worker.children()
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    done = stage.wait_for(lambda: finished(document), 120, step=0.1)
    took = time.monotonic() - killed
    made = stage.versions().exclude(pk__in=before).count()
    ok = done is not None and done.status == "ready" and made == 1 and took <= PROMISED_SECONDS
    state = done.status if done else "not finished"
    return Outcome(
        f"worker pool killed mid-render ({len(pool)} processes)",
        f"{state}, {made} version, {done.attempts} tries" if done else state,
        f"{took:.1f} s from the kill to the PDF",
        ok,
    )


def kill_worker_mid_render(stage: Stage) -> Outcome:
    document, before = new_render(stage)
    stage.worker.kill()
    time.sleep(2)  # nobody renders meanwhile: the claim and the unacknowledged message stay behind
    document.refresh_from_db()
    left = document.status
    stage.worker.start()
    started = time.monotonic()
    ready_in = stage.wait_for_worker()
    done = stage.wait_for(lambda: finished(document), 120, step=0.1)
    took = time.monotonic() - started
    made = stage.versions().exclude(pk__in=before).count()
    after_ready = took - ready_in
    ok = done is not None and done.status == "ready" and made == 1 and after_ready <= PROMISED_SECONDS
    return Outcome(
        "whole worker killed mid-render, started again",
        f"left {left}; {done.status if done else 'not finished'}, {made} version",
        f"{took:.1f} s from the restart ({ready_in:.1f} s to boot, {after_ready:.1f} s after)",
        ok,
    )


def stop_redis(stage: Stage) -> Outcome:
    stage.browser.request(stage.case_path)  # the CSRF cookie, while everything is up
    before = set(stage.versions().values_list("pk", flat=True))
    stage.redis.kill()
    status, _body, answered = stage.browser.request(stage.generate_path, data=b"")
    page_status, page, _ = stage.browser.request(stage.case_path)
    told = "恢复后会自动生成" in page
    kept = stage.versions().exclude(pk__in=before).first()
    stage.redis.start()
    wait_for_port(REDIS_PORT)
    back = time.monotonic()
    done = stage.wait_for(lambda: finished(kept), 150, step=0.2) if kept else None
    took = time.monotonic() - back
    ok = status == 302 and answered < 2 and page_status == 200 and told and done is not None
    ok = ok and done.status == "ready"
    return Outcome(
        "Redis stopped while generate is pressed",
        f"generate {status} in {answered * 1000:.0f} ms, case page {page_status}, told it is queued: {told}; "
        f"version kept: {kept is not None}, then {done.status if done else 'not finished'}",
        f"{took:.1f} s from Redis back to the PDF (beat sweeps every minute)",
        ok,
    )


def database_unreachable(stage: Stage) -> Outcome:
    away = stage.directory / "db-away"
    stage.database_folder.rename(away)
    answers = []
    for language, words in (("zh-hans", "服务暂时不可用"), ("en", "Service temporarily unavailable")):
        status, body, seconds = stage.browser.request(stage.case_path, language=language)
        answers.append((language, status, words in body, seconds))
    away.rename(stage.database_folder)
    back = time.monotonic()
    status = stage.wait_for(lambda: stage.browser.request(stage.case_path)[0] == 200, 30, step=0.05)
    took = time.monotonic() - back
    ok = all(s == 503 and worded for _language, s, worded, _seconds in answers) and bool(status)
    survived = ", ".join(
        f"{language} {s} ({'worded' if w else 'wrong words'}, {t * 1000:.0f} ms)" for language, s, w, t in answers
    )
    return Outcome("database folder moved away", survived, f"{took:.2f} s from its return to a 200", ok)


def main() -> int:
    directory = Path(tempfile.mkdtemp(prefix="huabei-chaos-"))
    stage = Stage(directory)
    outcomes: list[Outcome] = []
    try:
        say(f"starting Redis on {REDIS_PORT}, migrating a fresh SQLite file, starting web, worker and beat")
        stage.up()
        say("warming up: one document made from start to end")
        document, _before = new_render(stage)
        stage.wait_for(lambda: finished(document), 60, step=0.1)
        for name, scenario in (
            ("killing the worker's pool mid-render", kill_pool_mid_render),
            ("killing the whole worker mid-render and starting it again", kill_worker_mid_render),
            ("stopping Redis, pressing generate, starting Redis again", stop_redis),
            ("moving the database away, asking for the case page, moving it back", database_unreachable),
        ):
            say(name)
            outcomes.append(scenario(stage))
    except ChaosError as error:
        say(f"stopped: {error}; logs in {directory}")
        return 2
    finally:
        stage.down()
    width = max(len(o.fault) for o in outcomes)
    print()
    for outcome in outcomes:
        mark = "ok  " if outcome.ok else "FAIL"
        print(f"{mark} {outcome.fault:<{width}}  {outcome.recovery}\n     {'':<{width}}  {outcome.survived}")
    failed = [o for o in outcomes if not o.ok]
    if failed:
        say(f"logs kept in {directory}")
        return 1
    shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
