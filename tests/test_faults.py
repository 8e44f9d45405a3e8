"""Faults survived in seconds, through the real parts: a render whose worker died is taken over by the same message
handed back (or, when the whole worker was killed, by the next worker to start); Redis down leaves "generate"
answering at once with the version kept and queued when Redis is back; the database out of reach answers 503 in the
user's language and the next request after it is back succeeds."""

import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import selectors, services
from cases.models import DocumentStatus, GeneratedDocument
from cases.samples import sample_case
from cases.tasks import render_document, take_back_renders

from .builders import ready_lender

# The promise: ready within 15 s of a worker being there again.
RECOVERY_SECONDS = 15


@pytest.fixture
def celery_worker_pool() -> str:
    """Threads, as prefork's parent does: the worker answers the others' questions while a task runs."""
    return "threads"


@pytest.fixture
def ready_case(owner):
    case = sample_case(owner=owner, title="花呗和信用卡协商", reasons=("unemployment",))
    return selectors.case_with_parts(case.pk)


def wait_finished(document: GeneratedDocument, seconds: float) -> float:
    start = time.monotonic()
    while not document.is_finished and time.monotonic() - start < seconds:
        time.sleep(0.1)
        document.refresh_from_db()
    return time.monotonic() - start


def claimed_by_a_dead_task(case, creditor) -> GeneratedDocument:
    """A version as a render killed with its worker leaves it: running, claimed a moment ago by a task id."""
    return GeneratedDocument.objects.create(
        case=case,
        creditor=creditor,
        kind="proposal",
        version=1,
        language="zh-hans",
        status=DocumentStatus.RUNNING,
        started_at=timezone.now(),
        attempts=1,
        claimed_by=str(uuid.uuid4()),
    )


# --- a worker killed mid-render ---------------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_message_handed_back_takes_over_its_own_claim(ready_case, media, celery_worker):
    """The broker hands the message of a task whose process died back with the same task id (acks late, rejected
    when the worker is lost): it recognises the claim as its own instead of waiting for the claim to go stale."""
    document = claimed_by_a_dead_task(ready_case, ready_lender(ready_case))
    # Another task finds the fresh claim and leaves it.
    assert services.document_render(document_id=document.pk, task_id="another-task") is None
    render_document.apply_async(args=[document.pk], task_id=document.claimed_by)
    took = wait_finished(document, RECOVERY_SECONDS)
    assert document.status == DocumentStatus.READY, (document.status, document.error)
    assert took < RECOVERY_SECONDS
    assert document.attempts == 2
    assert GeneratedDocument.objects.filter(case=ready_case).count() == 1


@pytest.mark.django_db
def test_a_message_handed_back_after_its_last_try_fails_the_version(ready_case):
    document = claimed_by_a_dead_task(ready_case, ready_lender(ready_case))
    GeneratedDocument.objects.filter(pk=document.pk).update(attempts=services.MAX_ATTEMPTS)
    assert services.document_render(document_id=document.pk, task_id=document.claimed_by) is None
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "3" in document.error


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_starting_takes_back_what_a_killed_worker_held(ready_case, media, celery_worker):
    """A worker killed outright leaves its message unacknowledged for the visibility timeout (an hour): the next
    worker to start asks the live workers what they run and queues again what none of them does."""
    document = claimed_by_a_dead_task(ready_case, ready_lender(ready_case))
    assert take_back_renders.delay().get(timeout=RECOVERY_SECONDS) == 1
    took = wait_finished(document, RECOVERY_SECONDS)
    assert document.status == DocumentStatus.READY, (document.status, document.error)
    assert took < RECOVERY_SECONDS
    assert GeneratedDocument.objects.filter(case=ready_case).count() == 1


@pytest.mark.django_db
def test_a_render_claimed_by_a_live_task_is_left_alone(ready_case):
    document = claimed_by_a_dead_task(ready_case, ready_lender(ready_case))
    before = timezone.now()
    assert services.document_take_back(live_task_ids={document.claimed_by}, claimed_before=before) == 0
    # Nor one claimed after the workers were asked: its task may have started since.
    assert services.document_take_back(live_task_ids=set(), claimed_before=document.started_at) == 0
    document.refresh_from_db()
    assert document.status == DocumentStatus.RUNNING


# --- Redis down -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on a free port, which it may stop and start again (never the shared one)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


def use_broker(app, url: str) -> None:
    """Point the app's producers at another broker. Celery keeps the pools of the broker it first used for the life
    of the process; it drops them itself after a fork, and so does this."""
    app.conf.broker_url = url
    app._after_fork()


@pytest.fixture
def broker_of_its_own(celery_app, settings, tmp_path):
    """Redis as the broker and the cache, on a server this test may stop."""
    server = RedisServer(tmp_path)
    server.start()
    saved = celery_app.conf.broker_url
    use_broker(celery_app, server.url)
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": server.url}}
    try:
        yield server
    finally:
        server.stop()
        use_broker(celery_app, saved)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_generate_answers_at_once_and_the_version_follows(
    owner_client, ready_case, media, celery_app, broker_of_its_own
):
    lender = ready_lender(ready_case)
    url = reverse("cases:document_generate", args=[ready_case.code, lender.code, "proposal"])
    with start_worker(celery_app, pool="solo", shutdown_timeout=30):
        broker_of_its_own.stop()
        start = time.monotonic()
        response = owner_client.post(url)
        answered = time.monotonic() - start
        assert response.status_code == 302 and answered < 2, answered
        page = owner_client.get(response["Location"])
        assert page.status_code == 200
        assert "后台服务暂时不可用，恢复后会自动生成" in page.content.decode()
        document = GeneratedDocument.objects.get(case=ready_case)
        assert document.status == DocumentStatus.PENDING and not document.queued
        # A second press while Redis is still down finds the same version.
        assert owner_client.post(url).status_code == 302
        assert GeneratedDocument.objects.filter(case=ready_case).count() == 1

        broker_of_its_own.start()
        back = time.monotonic()
        # What beat sends every minute; the version never queued is taken at once, whatever its age.
        assert services.document_sweep() == {"requeued": 1, "failed": 0}
        wait_finished(document, 60)
        assert document.status == DocumentStatus.READY, (document.status, document.error)
        assert time.monotonic() - back < 60
    assert GeneratedDocument.objects.filter(case=ready_case).count() == 1


# --- the database out of reach ----------------------------------------------------------------------------------


@pytest.fixture
def database_out_of_reach(tmp_path):
    """Every new connection fails: SQLite as when its file cannot be opened, PostgreSQL as when nothing answers on
    its port; the test database's own connection is kept aside, open, and handed back afterwards."""
    kept, settings = connection.connection, dict(connection.settings_dict)

    def cut() -> None:
        connection.connection = None
        if connection.vendor == "sqlite":
            connection.settings_dict["NAME"] = str(tmp_path / "gone" / "db.sqlite3")
        else:
            connection.settings_dict.update(HOST="127.0.0.1", PORT="9")  # the discard port: nobody listens

    def restore() -> None:
        connection.settings_dict.update(settings)
        connection.connection = kept

    yield cut, restore
    restore()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", "服务暂时不可用"), ("en", "Service temporarily unavailable")],
)
def test_with_the_database_down_pages_answer_503_in_the_users_language(
    owner, ready_case, database_out_of_reach, language, words
):
    cut, restore = database_out_of_reach
    owner_client = Client(raise_request_exception=False)  # what a browser gets, not the exception behind it
    owner_client.force_login(owner)
    case_page = reverse("cases:detail", args=[ready_case.code])
    cut()
    for url in (case_page, reverse("home"), reverse("cases:new")):
        response = owner_client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 503, url
        assert words in response.content.decode()
        assert response["Retry-After"] == "30"
        assert "no-store" in response["Cache-Control"]
    restore()
    assert owner_client.get(case_page).status_code == 200
