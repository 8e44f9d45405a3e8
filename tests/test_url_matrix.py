"""One matrix over every URL the resolver knows: what the owner of the data, another signed-in user and a visitor get
on GET and on POST, with the data built through the real services.

`test_every_url_has_an_entry` walks the resolver (`get_resolver().url_patterns`, recursively) and fails for a URL
name without a line in MATRIX below: a new URL needs one line saying what each of the three gets. The admin's pages
are one rule (ADMIN), since the admin site itself refuses anyone who is not staff, whatever the page.

Every request by another user or a visitor is also checked to leave every row and every stored file as it was, and
to answer nothing of the owner's: not the case's title, the hardship narrative, the ID number, nor a file's bytes.
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cases import services, wizard
from cases.models import DocumentKind, DocumentStatus, EvidenceKind
from core import health

from .builders import VALID_ID
from .test_privacy import NARRATIVE, World, make_everything

OWNER_TITLE = "王五的花呗协商"

# What a role gets: a status code, a set of acceptable ones, or one of these.
LOGIN = "login"  # a redirect to the sign-in page, which comes back here
REDIRECT = "redirect"  # a redirect somewhere else (the next step, the home page)
ADMIN_LOGIN = "admin login"

Expect = int | str | frozenset[int]
Roles = tuple[Expect, Expect, Expect]  # (owner, other user, visitor)


@dataclass(frozen=True)
class Entry:
    url: Callable[[World], str]
    get: Roles
    post: Roles
    data: Callable[[World], dict] = lambda w: {}
    headers: dict = field(default_factory=dict)
    # Further addresses of the same URL name that a signed-in user sees (every wizard step, say): the no-store test
    # opens each of them.
    variants: Callable[[World], list[str]] | None = None


# --- how to reach each object of the world -----------------------------------------------------------------------


def id_card(w: World):
    return w.case.evidence.get(kind=EvidenceKind.ID_CARD)


def photo(w: World):
    return id_card(w).files.exclude(thumbnail="").first()


def call_record(w: World):
    return w.case.evidence.get(kind=EvidenceKind.CALL_RECORD)


def recording(w: World):
    return call_record(w).files.get(content_type__startswith="audio/")


def document(w: World):
    return w.case.documents.get(kind=DocumentKind.PROPOSAL, status=DocumentStatus.READY)


def ready_bundle(w: World):
    """The case's bundle as the worker leaves it (the button only queues it; here it is built at once)."""
    made = services.bundle_request(case=w.case)
    return services.bundle_build(bundle_id=made.pk) or made


def case_url(name: str, *more: Callable[[World], object]) -> Callable[[World], str]:
    return lambda w: reverse(f"cases:{name}", args=[w.case.code, *(part(w) for part in more)])


def item_url(name: str) -> Callable[[World], str]:
    return case_url(name, lambda w: id_card(w).code)


def file_url(name: str) -> Callable[[World], str]:
    return case_url(name, lambda w: id_card(w).code, lambda w: photo(w).code)


def plain(name: str) -> Callable[[World], str]:
    return lambda w: reverse(name)


def case_page(name: str, *more, get: Roles = (200, 404, LOGIN), post: Roles = (200, 404, LOGIN), **extra) -> Entry:
    """A page of the owner's case: another user gets 404, a visitor is sent to sign in."""
    return Entry(case_url(name, *more), get=get, post=post, **extra)


def case_file(url: Callable[[World], str]) -> Entry:
    """A private file: 404 to anyone but the owner, visitors included (a file URL reveals nothing)."""
    return Entry(url, get=(200, 404, 404), post=(200, 404, 404))


def public(name: str, get: Roles = (200, 200, 200), post: Roles = (200, 200, 200), **extra) -> Entry:
    return Entry(plain(name), get=get, post=post, **extra)


def account_page(name: str, post: Roles = (200, 200, LOGIN), **extra) -> Entry:
    """A page about the signed-in user's own account: each user sees their own; a visitor is sent to sign in."""
    return Entry(plain(name), get=(200, 200, LOGIN), post=post, **extra)


def reset_confirm_url(w: World) -> str:
    return reverse("password_reset_confirm", args=[urlsafe_base64_encode(force_bytes(w.user.pk)), "set-password"])


def lender_preview_url(w: World) -> str:
    """The plan's preview of one lender's scenarios, as the plan page's htmx asks for it."""
    return reverse("cases:plan_preview", args=[w.case.code]) + f"?lender={w.case.creditors.first().code.hex}"


def every_step(w: World) -> list[str]:
    return [reverse("cases:wizard_step", args=[w.case.code, step.name]) for step in wizard.STEPS]


HTMX = {"HX-Request": "true"}
DEBT = lambda w: w.case.debts.first().pk  # noqa: E731
PROPOSAL = lambda w: DocumentKind.PROPOSAL  # noqa: E731
CONTACT = lambda w: w.case.contacts.first().pk  # noqa: E731
LENDER = lambda w: w.case.creditors.first().code  # noqa: E731
OFFER = lambda w: w.case.creditors.first().offers.first().pk  # noqa: E731
PAYMENT = lambda w: w.case.agreements.first().payments.first().pk  # noqa: E731
REMINDER = lambda w: w.case.reminders.first().pk  # noqa: E731

MATRIX: dict[str, Entry] = {
    # site
    "home": public("home"),
    "health": public("health", get=(frozenset({200, 503}),) * 3, post=(frozenset({200, 503}),) * 3),
    "set_language": public("set_language", get=(REDIRECT,) * 3, post=(REDIRECT,) * 3),
    # a case and its parts
    "cases:new": Entry(plain("cases:new"), get=(200, 200, LOGIN), post=(200, 200, LOGIN)),
    "cases:detail": case_page("detail"),
    "cases:delete": case_page("delete", post=(REDIRECT, 404, LOGIN)),
    "cases:wizard_resume": case_page("wizard_resume", get=(REDIRECT, 404, LOGIN), post=(REDIRECT, 404, LOGIN)),
    "cases:plan_preview": Entry(lender_preview_url, get=(200, 404, LOGIN), post=(200, 404, LOGIN)),
    "cases:wizard_step": case_page("wizard_step", lambda w: wizard.STEPS[0].name, variants=every_step),
    "cases:creditor_edit": case_page("creditor_edit", LENDER, post=(REDIRECT, 404, LOGIN)),
    "cases:debt_edit": case_page("debt_edit", DEBT),
    "cases:debt_delete": case_page("debt_delete", DEBT, post=(REDIRECT, 404, LOGIN)),
    "cases:bundle": case_page("bundle", post=(REDIRECT, 404, LOGIN)),
    "cases:bundle_download": case_file(case_url("bundle_download", lambda w: ready_bundle(w).code)),
    "cases:evidence_detail": case_page("evidence_detail", lambda w: id_card(w).code),
    "cases:evidence_upload": Entry(item_url("evidence_upload"), get=(405, 405, LOGIN), post=(200, 404, LOGIN)),
    "cases:evidence_status": Entry(item_url("evidence_status"), get=(405, 405, LOGIN), post=(200, 404, LOGIN)),
    "cases:evidence_delete": Entry(item_url("evidence_delete"), get=(200, 404, LOGIN), post=(REDIRECT, 404, LOGIN)),
    "cases:evidence_file_download": case_file(file_url("evidence_file_download")),
    "cases:evidence_file_thumbnail": case_file(file_url("evidence_file_thumbnail")),
    "cases:evidence_file_play": case_file(
        case_url("evidence_file_play", lambda w: call_record(w).code, lambda w: recording(w).code)
    ),
    "cases:evidence_file_replace": Entry(
        file_url("evidence_file_replace"), get=(200, 404, LOGIN), post=(200, 404, LOGIN)
    ),
    "cases:evidence_file_delete": Entry(
        file_url("evidence_file_delete"), get=(200, 404, LOGIN), post=(REDIRECT, 404, LOGIN)
    ),
    "cases:document_status": case_page("document_status", headers=HTMX),
    "cases:document_preview": case_page("document_preview", LENDER, PROPOSAL),
    "cases:document_generate": Entry(
        case_url("document_generate", LENDER, PROPOSAL), get=(405, 405, LOGIN), post=(REDIRECT, 404, LOGIN)
    ),
    "cases:document_download": case_file(case_url("document_download", lambda w: document(w).code)),
    "cases:contact_new": case_page("contact_new", LENDER),
    "cases:contact_edit": case_page("contact_edit", CONTACT),
    "cases:contact_delete": case_page("contact_delete", CONTACT, post=(REDIRECT, 404, LOGIN)),
    "cases:talking_points": case_page("talking_points", LENDER, post=(405, 405, LOGIN)),
    "cases:timeline": case_page("timeline", post=(405, 405, LOGIN)),
    # Anyone may check what a third party promised; nothing is saved.
    "cases:scam_check": public("cases:scam_check", post=(405,) * 3),
    # after the lender answered: offers, the agreement, payments, reminders, the user's progress
    "cases:lender_agreement": case_page("lender_agreement", LENDER, post=(405, 405, LOGIN)),
    "cases:offer_new": case_page("offer_new", LENDER),
    "cases:offer_delete": case_page("offer_delete", LENDER, OFFER, post=(REDIRECT, 404, LOGIN)),
    # The world's lender has its agreement already: the entry page sends the owner back to it.
    "cases:agreement_new": case_page("agreement_new", LENDER, get=(REDIRECT, 404, LOGIN), post=(REDIRECT, 404, LOGIN)),
    "cases:agreement_signed_copy": case_page("agreement_signed_copy", LENDER, get=(405, 405, LOGIN)),
    "cases:payment_new": case_page("payment_new", LENDER),
    "cases:payment_delete": case_page("payment_delete", LENDER, PAYMENT, post=(REDIRECT, 404, LOGIN)),
    "cases:notice_read": case_page("notice_read", REMINDER, get=(405, 405, LOGIN), post=(REDIRECT, 404, LOGIN)),
    "cases:dashboard": account_page("cases:dashboard", post=(405, 405, LOGIN)),
    "cases:reminder_settings": account_page("cases:reminder_settings"),
    # accounts
    "signup": public("signup", get=(REDIRECT, REDIRECT, 200), post=(REDIRECT, REDIRECT, 200)),
    "login": public("login"),
    "logout": public("logout", get=(405,) * 3, post=(REDIRECT,) * 3),
    "privacy": public("privacy", post=(405,) * 3),
    "password_change": account_page("password_change"),
    "password_change_done": account_page("password_change_done", post=(405, 405, LOGIN)),
    "password_reset": public("password_reset"),
    "password_reset_done": public("password_reset_done", post=(405,) * 3),
    "password_reset_confirm": Entry(reset_confirm_url, get=(200,) * 3, post=(200,) * 3),
    "password_reset_complete": public("password_reset_complete", post=(405,) * 3),
    "my_data": account_page("my_data", post=(405, 405, LOGIN)),
    "data_export": Entry(plain("data_export"), get=(405, 405, LOGIN), post=(200, 200, LOGIN)),
    "account_delete": account_page("account_delete"),
    "consent_withdraw": account_page("consent_withdraw"),
    # Only for a user who withdrew the consent; anyone else is sent on.
    "consent_give": Entry(plain("consent_give"), get=(REDIRECT, REDIRECT, LOGIN), post=(REDIRECT, REDIRECT, LOGIN)),
}

# The admin site lets in staff only: everyone here is sent to its sign-in page, except on the sign-in page itself.
# Signing out of the admin without being in it goes back to its index, which asks for a staff sign-in.
ADMIN: dict[str, Roles] = {"admin:login": (200, 200, 200), "admin:logout": (REDIRECT, REDIRECT, REDIRECT)}
ADMIN_POST = ADMIN
ADMIN_DEFAULT: Roles = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN)


# --- the resolver ------------------------------------------------------------------------------------------------


def url_patterns(patterns=None, namespace: str = "", prefix: str = "") -> Iterator[tuple[str | None, str, object]]:
    """(name with its namespace, route, pattern) of every URL, walking included URLconfs."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from url_patterns(pattern.url_patterns, inner or namespace, route)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name, route, pattern


def admin_url(name: str, pattern: URLPattern) -> str:
    """Any values for the page's arguments: the admin refuses a non-staff user before it looks anything up."""
    names = set(pattern.pattern.converters) | set(pattern.pattern.regex.groupindex)
    values = {"app_label": "cases", "content_type_id": "1", "object_id": "1", "id": "1"}
    return reverse(name, kwargs={key: values[key] for key in names})


def test_every_url_has_an_entry():
    missing = []
    for name, route, _pattern in url_patterns():
        if name is None:
            # Unnamed: only the admin's own redirects (an object's page, its catch-all) may be.
            assert route.startswith("admin/"), f"the URL {route!r} has no name: give it one and an entry in MATRIX"
            continue
        if name.startswith("admin:") or name in MATRIX:
            continue
        missing.append(f"  {name!r}  ({route})")
    assert not missing, (
        "URLs without an entry in tests/test_url_matrix.py MATRIX. Add one line for each, saying what the owner,\n"
        "another user and a visitor get on GET and POST, e.g.\n"
        '    "cases:contact_new": case_page("contact_new", post=(REDIRECT, 404, LOGIN)),\n' + "\n".join(missing)
    )
    stale = set(MATRIX) - {name for name, _route, _pattern in url_patterns()}
    assert not stale, f"MATRIX names URLs that no longer exist: {sorted(stale)}"


# --- what is checked on every request ------------------------------------------------------------------------------

# Rows that change with any request (sessions, sign-in records) are not the data this is about.
UNWATCHED = {Session, AccessAttempt, AccessFailureLog, AccessLog}


def database_state() -> dict[str, list[dict]]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
        if model not in UNWATCHED
    }


def on_disk(media: Path) -> dict[str, bytes]:
    return {path.relative_to(media).as_posix(): path.read_bytes() for path in media.rglob("*") if path.is_file()}


def body_of(response) -> bytes:
    """What the response sends; a ZIP is opened, so that its entries are seen as they are."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type") == "application/zip":
        archive = zipfile.ZipFile(io.BytesIO(content))
        return b"\n".join(archive.read(name) for name in archive.namelist())
    return content


def owner_markers(w: World, media: Path) -> list[bytes]:
    return [OWNER_TITLE.encode(), NARRATIVE.encode(), VALID_ID.encode(), *on_disk(media).values()]


def check(response, expected: Expect, what: str) -> None:
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and re.match(r"^/accounts/login/\?next=", response["Location"]), what
    elif expected == ADMIN_LOGIN:
        assert status == 302 and response["Location"].startswith(reverse("admin:login")), what
    elif expected == REDIRECT:
        assert status == 302 and not response["Location"].startswith(reverse("login")), what
    elif isinstance(expected, frozenset):
        assert status in expected, what
    else:
        assert status == expected, what


@dataclass
class Clients:
    owner: Client
    other: Client
    visitor: Client


@pytest.fixture
def clients(owner_client, outsider_client, anonymous_client) -> Clients:
    health.forget_worker_probe()
    return Clients(owner_client, outsider_client, anonymous_client)


def send(client: Client, method: str, url: str, entry: Entry, w: World):
    headers = entry.headers
    if method == "post":
        return client.post(url, entry.data(w), headers=headers)
    return client.get(url, headers=headers)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name, owner, clients, media):
    entry = MATRIX[name]
    w = make_everything(owner, title=OWNER_TITLE)
    url = entry.url(w)
    markers = owner_markers(w, media)
    # Strangers first: they may change nothing and see nothing of the owner's.
    for role, client, index in (("visitor", clients.visitor, 2), ("other user", clients.other, 1)):
        for method in ("get", "post"):
            before_rows, before_files = database_state(), on_disk(media)
            response = send(client, method, url, entry, w)
            what = f"{method.upper()} {name} as {role}"
            check(response, getattr(entry, method)[index], what)
            body = body_of(response)
            assert not [m for m in markers if m in body], f"{what} answered with the owner's data"
            assert database_state() == before_rows, f"{what} changed rows"
            assert on_disk(media) == before_files, f"{what} changed stored files"
    for method in ("get", "post"):
        check(send(clients.owner, method, url, entry, w), getattr(entry, method)[0], f"{method.upper()} {name}")


ADMIN_NAMES = sorted({name for name, _route, _p in url_patterns() if name and name.startswith("admin:")})


@pytest.mark.django_db
@pytest.mark.parametrize("name", ADMIN_NAMES)
def test_admin_lets_in_staff_only(name, clients):
    pattern = next(p for n, _r, p in url_patterns() if n == name)
    url = admin_url(name, pattern)
    for index, client in enumerate((clients.owner, clients.other, clients.visitor)):
        before = database_state()
        check(client.get(url), ADMIN.get(name, ADMIN_DEFAULT)[index], f"GET {name}")
        check(client.post(url, {}), ADMIN_POST.get(name, ADMIN_DEFAULT)[index], f"POST {name}")
        assert database_state() == before
