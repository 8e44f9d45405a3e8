"""`make bench`, the load part: locust's 20 users, each asking again as soon as answered, against gunicorn started
as the Procfile starts it, for the login page (the baseline: no session, no case), the case list, the plan step
and the case page, one page at a time for LOAD_SECONDS (20) each. Prints requests/s, p50/p95/p99 and each page's
requests/s as a share of the baseline's; BENCH_LOAD_JSON=path also writes them.

Every simulated user is a different account with the sample case of its own (bench/environment.py's throwaway
database and Redis database 15), signed in through a session cookie made here.
"""

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from .environment import BenchSetupError, bench_database, require_redis

ROOT = Path(__file__).resolve().parent.parent
USERS = 20
SECONDS = int(os.environ.get("LOAD_SECONDS", "20"))
PAGES = ["login", "home", "plan", "case"]
BASELINE = "login"
# What each page must reach as a share of the baseline's requests/s.
TARGET_RATIO = 0.6


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise BenchSetupError("the Procfile has no web: line")


def make_visitors(count: int) -> list[dict[str, str]]:
    """`count` accounts, each with the sample case (its first debt a little different in each), a ready proposal
    and letter to its first lender, signed in."""
    from django.core.files.base import ContentFile
    from django.test import Client

    from accounts.models import User
    from cases import samples, services
    from cases.models import DocumentKind, DocumentStatus, GeneratedDocument

    visitors = []
    for number in range(count):
        user = User.objects.create_user(email=f"load-{number}@example.com", password="bench-password-long")
        case = samples.sample_case(owner=user, title="花呗和信用卡协商")
        # Figures of their own, so that no account's plans are anyone else's.
        debt = case.debts.order_by("pk").first()
        services.debt_update(debt=debt, principal=debt.principal + number * 7)
        lender = samples.sample_lender(case)
        for kind in DocumentKind.values:
            document = GeneratedDocument(
                case=case, creditor=lender, kind=kind, version=1, status=DocumentStatus.READY, language="zh-hans"
            )
            document.file.save(f"{kind}.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"), save=False)
            document.save()
        client = Client()
        client.force_login(user)
        visitors.append({"session": client.cookies["sessionid"].value, "case": str(case.code)})
    return visitors


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchSetupError(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own server)
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise BenchSetupError(f"gunicorn did not answer {url} within {seconds} s")


def warm(host: str, visitor: dict[str, str]) -> None:
    """Each page a few times in each gunicorn worker, so that templates are compiled before anything is timed."""
    paths = ["/accounts/login/", "/", f"/cases/{visitor['case']}/wizard/plan/", f"/cases/{visitor['case']}/"]
    for path in paths * 8:
        cookie = {"Cookie": f"sessionid={visitor['session']}"}
        request = urllib.request.Request(host + path, headers=cookie)  # noqa: S310 (our own server)
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
            if response.status != 200:
                raise BenchSetupError(f"{path} answered {response.status}")


def run_locust(host: str, page: str, visitors_file: Path, directory: Path) -> dict[str, float]:
    prefix = directory / page
    command = [
        str(ROOT / ".venv" / "bin" / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(USERS),
        "--spawn-rate",
        str(USERS),
        "--run-time",
        f"{SECONDS}s",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",
    ]
    environment = {**os.environ, "BENCH_PAGE": page, "BENCH_VISITORS": str(visitors_file)}
    subprocess.run(command, env=environment, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(f"{prefix}_stats.csv", encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")
    return {
        "requests": float(row["Request Count"]),
        "failures": float(row["Failure Count"]),
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"]),
        "p95": float(row["95%"]),
        "p99": float(row["99%"]),
    }


def bench_load() -> dict[str, dict[str, float]]:
    directory = Path(tempfile.mkdtemp(prefix="huabei-load-"))
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = None
    try:
        print(f"load: making {USERS} accounts with a sample case each", flush=True)
        visitors = make_visitors(USERS)
        visitors_file = directory / "visitors.json"
        visitors_file.write_text(json.dumps(visitors), encoding="utf-8")
        from django.db import connections

        connections.close_all()  # the server's processes write the same SQLite file
        command = procfile_web()
        print(f"load: {command}", flush=True)
        server = subprocess.Popen(  # noqa: S602 (the Procfile's own line, as honcho runs it)
            command,
            shell=True,
            cwd=ROOT,
            env={**os.environ, "HOST": "127.0.0.1", "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=open(directory / "gunicorn.log", "w"),  # noqa: SIM115 (kept open for the server's life)
            start_new_session=True,
        )
        wait_until_up(f"{host}/accounts/login/", server)
        warm(host, visitors[0])
        results = {}
        for page in PAGES:
            print(f"load: {page}, {USERS} users, {SECONDS} s", flush=True)
            results[page] = run_locust(host, page, visitors_file, directory)
        return results
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


def report(results: dict[str, dict[str, float]]) -> list[str]:
    baseline = results[BASELINE]["rps"] or 1.0
    lines = [f"{'page':<6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'failed':>7} {'vs login':>9}"]
    short = []
    for page, figures in results.items():
        ratio = figures["rps"] / baseline
        figures["ratio"] = ratio
        lines.append(
            f"{page:<6} {figures['rps']:8.1f} {figures['p50']:8.0f} {figures['p95']:8.0f} {figures['p99']:8.0f}"
            f" {figures['failures']:7.0f} {ratio:9.2f}"
        )
        if ratio < TARGET_RATIO:
            short.append(page)
    if short:
        lines.append(f"below {TARGET_RATIO} of the baseline: {', '.join(short)}")
    return lines


def main() -> int:
    try:
        require_redis()
        with bench_database():
            results = bench_load()
    except BenchSetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    for line in report(results):
        print(line)
    if os.environ.get("BENCH_LOAD_JSON"):
        with open(os.environ["BENCH_LOAD_JSON"], "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
