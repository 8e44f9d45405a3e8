"""The documents: the worker's renderer against stock WeasyPrint, the public route alone and Chromium, one render of
each in turn; memory over 200 renders; the path through a real worker, as the page sees it.

One realistic case, the one cases/samples.py builds and the document tests render: three debts, a 36-month plan and
six attachments (the checklist for "unemployment" holds five items, one more "other" item makes six).
Everything runs in the one process that `main()` runs in (Chromium and the worker in their own), so ratios hold.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .environment import REDIS_URL, BenchSetupError, get_rendered
from .measure import summary, timed

LANGUAGE = "zh-hans"
RENDERS = 50  # timed renders of each document, in WeasyPrint and in Chromium
WARM_UP = 2
RSS_EARLY, RSS_LATE = 20, 200  # RSS read after these proposal renders
JOBS = 20  # generate-to-ready through the worker
BUSY_CASES = 5  # sample cases whose 30 documents (3 lenders, 2 kinds) keep the worker busy while the page is timed
PAGE_GETS = 40
POLL_SECONDS = 0.02
JOB_TIMEOUT_SECONDS = 60
WORKER_START_TIMEOUT_SECONDS = 60
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def rss_mb() -> float:
    """This process's resident set size, from /proc/self/status (VmRSS is in kB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def build_case(owner, title: str):
    """The sample case with one hardship reason, padded to six attachments."""
    from cases import samples, selectors, services

    case = samples.sample_case(owner=owner, title=title)
    extra = 1
    while len(selectors.case_evidence(selectors.case_with_parts(case.pk))) < 6:
        extra += 1
        services.evidence_create(case=case, kind="other", title=f"其他证明材料 {extra}")
    case = selectors.case_with_parts(case.pk)
    attachments = len(selectors.case_evidence(case))
    # The proposal measured is the one to the first lender (花呗): its 36-month schedule and the statement page.
    scenario = selectors.chosen_plans(case)[0].scenario
    shape = (len(selectors.case_debts(case)), len(scenario.schedule) if scenario else 0, attachments)
    if shape != (3, 36, 6):
        raise RuntimeError(f"the bench case should have 3 debts, 36 installments, 6 attachments, not {shape}")
    return case


# --- Renders in this process, interleaved --------------------------------------------------------------------


def html_of(case, kind: str) -> str:
    from cases import samples, services

    return services.document_html(case=case, creditor=samples.sample_lender(case), kind=kind, language=LANGUAGE)


def inline_static(html: str) -> str:
    """The print stylesheet inlined and the favicon left out, since Chromium gets the HTML without a server behind
    it (the subset faces then do not load and Chromium prints with the full Noto Sans CJK behind them)."""
    from django.conf import settings
    from django.templatetags.static import static

    css = (Path(settings.BASE_DIR) / "static" / "documents" / "print.css").read_text(encoding="utf-8")
    link = re.compile(r"<link\b[^>]*\bhref=\"" + re.escape(static("documents/print.css")) + r"\"[^>]*>")
    inlined, count = link.subn(lambda _match: f"<style>\n{css}\n</style>", html)
    inlined = re.sub(r'<link rel="icon"[^>]*>', "", inlined)
    if count != 1 or "/static/" in inlined:
        raise RuntimeError("the proposal should link exactly one stylesheet, documents/print.css, and the favicon")
    return inlined


@contextmanager
def chromium_printer() -> Iterator:
    """Debian's Chromium kept open, as for the whole bench: a function printing HTML to PDF bytes."""
    executable = shutil.which("chromium")
    if executable is None:
        raise BenchSetupError("Debian's chromium is not installed: run `make test-system-packages`.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def print_pdf(html: str) -> bytes:
                page.set_content(html)
                return page.pdf(format="A4", print_background=True)

            yield print_pdf
        finally:
            browser.close()


def bench_renders(figures: dict, case) -> None:
    """One render of each in turn, RENDERS times, so that the load of this shared machine falls on all alike: the
    worker's renderer (proposal, letter), stock WeasyPrint with the system's fonts, the public route alone (as on a
    WeasyPrint version that cases/pdf_compact_fonts.py refuses), and Chromium printing the same HTML."""
    import logging

    from weasyprint import HTML

    from cases import pdf, pdf_compact_fonts
    from cases.models import DocumentKind
    from huabei_negotiate.celery import prepare_renderer

    class SystemFontsFetcher(pdf.StaticOnlyFetcher):
        """Stock WeasyPrint's view of the documents: the subset faces refused, so that the system's full faces draw."""

        def fetch(self, url, headers=None):
            if "/documents/fonts/" in url:
                raise ValueError("the system's fonts only")
            return super().fetch(url, headers)

    # Stock WeasyPrint says, at each render, that the refused faces cannot be loaded.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    prepare_renderer()  # as each worker process does at start
    if not pdf_compact_fonts.is_applied():
        say("warning: cases/pdf_compact_fonts.py refused this WeasyPrint: the renderer is the public route")
    proposal, letter = html_of(case, DocumentKind.PROPOSAL), html_of(case, DocumentKind.HARDSHIP_LETTER)
    figures["proposal_html_median_ms"] = summary(timed(lambda: html_of(case, DocumentKind.PROPOSAL), RENDERS))[0]
    figures["letter_html_median_ms"] = summary(timed(lambda: html_of(case, DocumentKind.HARDSHIP_LETTER), RENDERS))[0]

    # First, as a worker process's first jobs: the other renderers below would leave their own memory behind.
    say(f"renderer: proposal renders 1..{RSS_LATE} in a row as a worker's first, RSS after {RSS_EARLY} and {RSS_LATE}")
    rss = {}
    for number in range(1, RSS_LATE + 1):
        pdf.render_pdf(proposal)
        if number in (RSS_EARLY, RSS_LATE):
            rss[number] = rss_mb()
    figures[f"rss_after_proposal_{RSS_EARLY}_mb"] = rss[RSS_EARLY]
    figures[f"rss_after_proposal_{RSS_LATE}_mb"] = rss[RSS_LATE]
    figures[f"rss_{RSS_LATE}_vs_{RSS_EARLY}_ratio"] = rss[RSS_LATE] / rss[RSS_EARLY]

    def without_internals(render):
        pdf_compact_fonts.remove()
        try:
            return render()
        finally:
            pdf_compact_fonts.apply()

    def stock() -> bytes:
        return HTML(string=proposal, base_url=pdf.BASE_URL, url_fetcher=SystemFontsFetcher()).write_pdf()

    with chromium_printer() as print_in_chromium:
        chromium_html = inline_static(proposal)
        contenders = {
            "proposal": lambda: pdf.render_pdf(proposal),
            "letter": lambda: pdf.render_pdf(letter),
            "stock": lambda: without_internals(stock),
            "fallback": lambda: without_internals(lambda: pdf.render_pdf(proposal)),
            "chromium": lambda: print_in_chromium(chromium_html),
        }
        say(f"renders: {WARM_UP} warm-up + {RENDERS} timed rounds of {', '.join(contenders)}, one of each in turn")
        times: dict[str, list[float]] = {name: [] for name in contenders}
        made: dict[str, bytes] = {}
        for round_number in range(WARM_UP + RENDERS):
            for name, render in contenders.items():
                start = time.perf_counter()
                made[name] = render()
                if round_number >= WARM_UP:
                    times[name].append((time.perf_counter() - start) * 1000)
    median = {name: summary(samples)[0] for name, samples in times.items()}
    figures["proposal_render_median_ms"], figures["proposal_render_p95_ms"] = summary(times["proposal"])
    figures["letter_render_median_ms"], figures["letter_render_p95_ms"] = summary(times["letter"])
    figures["stock_weasyprint_proposal_median_ms"] = median["stock"]
    figures["fallback_proposal_render_median_ms"] = median["fallback"]
    figures["chromium_proposal_median_ms"], figures["chromium_proposal_p95_ms"] = summary(times["chromium"])
    figures["weasyprint_vs_chromium_proposal_ratio"] = median["proposal"] / median["chromium"]
    figures["renderer_vs_stock_weasyprint_ratio"] = median["proposal"] / median["stock"]
    figures["fallback_vs_stock_weasyprint_ratio"] = median["fallback"] / median["stock"]
    figures["letter_vs_proposal_render_ratio"] = median["letter"] / median["proposal"]
    figures["proposal_pdf_kb"] = len(made["proposal"]) / 1024
    figures["letter_pdf_kb"] = len(made["letter"]) / 1024
    figures["fallback_proposal_pdf_kb"] = len(made["fallback"]) / 1024
    figures["stock_weasyprint_proposal_pdf_kb"] = len(made["stock"]) / 1024
    figures["chromium_proposal_pdf_kb"] = len(made["chromium"]) / 1024


# --- A real worker through the real Redis ---------------------------------------------------------------------


class Worker:
    """A `celery worker` subprocess on a queue of its own, so that no other worker on database 15 takes its jobs."""

    def __init__(self):
        self.queue = f"bench-{os.getpid()}"
        self.name = f"{self.queue}@{socket.gethostname()}"
        self.log = Path(tempfile.gettempdir()) / f"huabei-bench-worker-{os.getpid()}.log"
        self.process: subprocess.Popen | None = None

    def tail(self) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no worker log)"

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"the worker exited with code {self.process.returncode}:\n{self.tail()}")

    def start(self) -> None:
        from django.conf import settings

        from huabei_negotiate.celery import app

        # Before anything is sent: the producer in this process queues to the worker's own queue.
        app.conf.task_default_queue = self.queue
        command = [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "huabei_negotiate",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=WARNING",
            f"--queues={self.queue}",
            f"--hostname={self.name}",
        ]
        with self.log.open("wb") as log:  # the child keeps its own descriptor
            # Its own session, so that prefork children left behind by a crash can be killed as one group.
            self.process = subprocess.Popen(  # noqa: S603
                command,
                cwd=settings.BASE_DIR,
                env={**os.environ, "DJANGO_SETTINGS_MODULE": "huabei_negotiate.settings_test"},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while not app.control.ping(destination=[self.name], timeout=0.5):
            self.check_alive()
            if time.monotonic() > deadline:
                seconds = WORKER_START_TIMEOUT_SECONDS
                raise RuntimeError(f"the worker did not answer ping in {seconds} s:\n{self.tail()}")

    def stop(self) -> None:
        process = self.process
        if process is not None:
            if process.poll() is None:
                process.terminate()  # warm shutdown: a render under way finishes and is acknowledged
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # prefork children orphaned by a hard kill, if any
        import redis

        # The queue's list and its bindings (the exchange is named after the queue); the bench waits for its jobs,
        # so nothing is thrown away. Task results expire on their own (CELERY_RESULT_EXPIRES), as the tests' do.
        keys = (self.queue, f"_kombu.binding.{self.queue}", f"_kombu.binding_permanent.{self.queue}")
        redis.Redis.from_url(REDIS_URL).delete(*keys)
        self.log.unlink(missing_ok=True)


@contextmanager
def running_worker() -> Iterator[Worker]:
    worker = Worker()
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


def wait_finished(document_ids: list[int], worker: Worker, timeout: float) -> None:
    """Poll the rows every POLL_SECONDS until all are ready; a failed render or a dead worker stops the bench."""
    from cases.models import DocumentStatus, GeneratedDocument

    document_ids = sorted(set(document_ids))
    deadline = time.monotonic() + timeout
    while True:
        rows = list(GeneratedDocument.objects.filter(pk__in=document_ids).values_list("pk", "status", "error"))
        failed = [(pk, error) for pk, status, error in rows if status == DocumentStatus.FAILED]
        if failed:
            raise RuntimeError(f"rendering failed in the worker: {failed[0]}\n{worker.tail()}")
        if len(rows) == len(document_ids) and all(status == DocumentStatus.READY for _, status, _ in rows):
            return
        worker.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"documents not ready after {timeout:.0f} s:\n{worker.tail()}")
        time.sleep(POLL_SECONDS)


def click_to_ready(client, case, worker: Worker) -> float:
    """Milliseconds from pressing "generate" to the page showing the new version's download link, as the page sees
    it: the POST htmx sends, then the documents section asked for again after each answer, as the section itself
    says (hx-trigger="load delay:...")."""
    from django.urls import reverse

    from cases import samples
    from cases.models import GeneratedDocument

    generate = reverse("cases:document_generate", args=[case.code, samples.sample_lender(case).code, "proposal"])
    status = reverse("cases:document_status", args=[case.code])
    start = time.perf_counter()
    section = client.post(generate, HTTP_HX_REQUEST="true").content.decode()
    newest = GeneratedDocument.objects.filter(case=case).latest("pk")
    link = reverse("cases:document_download", args=[case.code, newest.code])
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while link not in section:
        delay = re.search(r'hx-trigger="load delay:(\d+)ms"', section)
        if delay is None:
            raise RuntimeError(f"the documents section neither shows the link nor asks again:\n{section[:2000]}")
        worker.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"document {newest.pk} not shown after {JOB_TIMEOUT_SECONDS} s:\n{worker.tail()}")
        time.sleep(int(delay.group(1)) / 1000)
        section = client.get(status, HTTP_HX_REQUEST="true").content.decode()
    return (time.perf_counter() - start) * 1000


def bench_worker(figures: dict, owner, case) -> None:
    """Generate-to-ready and click-to-ready 20 times each, in turn, then the case page with the worker idle and busy."""
    from django.test import Client
    from django.urls import reverse

    from cases import samples, services
    from cases.models import DocumentKind, DocumentStatus, GeneratedDocument
    from cases.services import limits

    # One owner asks for about 80 versions here: the hourly allowance that stops abuse would stop the bench.
    limits.GENERATION_RATE = "1000/h"
    # Their renders keep the worker busy while the case page is timed: one of each document for each lender of each
    # case, since a version already on its way is returned rather than queued again.
    load_cases = [build_case(owner, f"忙碌时的负载案件 {number}") for number in range(BUSY_CASES)]
    client = Client()
    client.force_login(owner)
    url = reverse("cases:detail", args=[case.code])

    say("worker: starting (prefork, concurrency 1) and waiting for ping")
    with running_worker() as worker:

        def generate() -> float:
            start = time.perf_counter()
            document = services.document_request(
                case=case, creditor=samples.sample_lender(case), kind=DocumentKind.PROPOSAL, language=LANGUAGE
            )
            wait_finished([document.pk], worker, JOB_TIMEOUT_SECONDS)
            return (time.perf_counter() - start) * 1000

        say(f"worker: 1 untimed first job, then {JOBS} generate-to-ready and {JOBS} click-to-ready, in turn")
        figures["generate_to_ready_first_job_ms"] = generate()  # the worker's first render is cold: kept apart
        to_ready, clicked = [], []
        for _ in range(JOBS):
            to_ready.append(generate())
            clicked.append(click_to_ready(client, case, worker))
        figures["generate_to_ready_median_ms"], figures["generate_to_ready_p95_ms"] = summary(to_ready)
        figures["generate_to_ready_p95_minus_render_median_ms"] = (
            figures["generate_to_ready_p95_ms"] - figures["proposal_render_median_ms"]
        )
        figures["click_to_ready_median_ms"], figures["click_to_ready_p95_ms"] = summary(clicked)
        figures["click_to_ready_p95_minus_render_median_ms"] = (
            figures["click_to_ready_p95_ms"] - figures["proposal_render_median_ms"]
        )

        say(f"case page: {PAGE_GETS} GETs with the worker idle, {PAGE_GETS} with {BUSY_CASES * 6} renders queued")
        response = get_rendered(client, url)  # warm the templates
        if response.status_code != 200:
            raise RuntimeError(f"the case page answered {response.status_code}")
        idle = timed(lambda: get_rendered(client, url), PAGE_GETS)
        queued = [
            services.document_request(case=load_case, creditor=lender, kind=kind, language=LANGUAGE).pk
            for load_case in load_cases
            for lender in load_case.creditors.order_by("position", "pk")
            for kind in DocumentKind.values
        ]
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while not GeneratedDocument.objects.filter(pk__in=queued).exclude(status=DocumentStatus.PENDING).exists():
            worker.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the worker did not take the queued renders:\n{worker.tail()}")
            time.sleep(POLL_SECONDS)
        busy = timed(lambda: get_rendered(client, url), PAGE_GETS)
        unfinished = [DocumentStatus.PENDING, DocumentStatus.RUNNING]
        left = GeneratedDocument.objects.filter(pk__in=queued, status__in=unfinished).count()
        if left == 0:
            say("warning: the worker ran out of renders before the busy GETs ended; the busy figure is understated")
        figures["case_page_idle_median_ms"] = summary(idle)[0]
        figures["case_page_busy_median_ms"] = summary(busy)[0]
        figures["case_page_busy_vs_idle_ratio"] = (
            figures["case_page_busy_median_ms"] / figures["case_page_idle_median_ms"]
        )
        say(f"worker: waiting for the {left} renders still queued, so that nothing is left in Redis")
        wait_finished(queued, worker, JOB_TIMEOUT_SECONDS * 3)


def bench_documents(figures: dict) -> None:
    from accounts.models import User

    owner = User.objects.create_user(email="bench-documents@example.com", password="bench-password-long")
    case = build_case(owner, "花呗和信用卡协商")
    bench_renders(figures, case)
    bench_worker(figures, owner, case)
