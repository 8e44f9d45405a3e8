"""cases/views/page_cache.py: the case page and the wizard's steps, kept as rendered while their case keeps its
revision. A copy is served only where a fresh render would show the same thing: every change shows at once, a
message is shown once, each language, day, user and browser (CSRF secret) has its own copy."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, DocumentStatus, GeneratedDocument
from cases.plans import format_yuan
from cases.views import page_cache

from .builders import case_with_debts, make_contact, make_document, ready_lender

pytestmark = pytest.mark.django_db

# A page served from the cache asks the database for the session, the user and the case, nothing more.
QUERIES_OF_A_KEPT_PAGE = 3


@pytest.fixture
def kept_case(owner) -> Case:
    return case_with_debts(owner, "12000")


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.code])


def plan_url(case: Case) -> str:
    return reverse("cases:wizard_step", args=[case.code, "plan"])


def balance(case: Case) -> str:
    return format_yuan(case.debts.get().balance)


def seen_twice(client: Client, url: str) -> str:
    """The first answer gives the browser its CSRF cookie; the second is rendered with it and kept."""
    client.get(url)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("url_of", [case_url, plan_url])
def test_a_page_seen_again_comes_from_the_cache(owner_client, kept_case, url_of, django_assert_max_num_queries):
    url = url_of(kept_case)
    page = seen_twice(owner_client, url)
    with django_assert_max_num_queries(QUERIES_OF_A_KEPT_PAGE):
        again = owner_client.get(url)
    assert again.status_code == 200
    assert again.content.decode() == page
    assert "no-store" in again["Cache-Control"]


def test_every_kind_of_change_shows_at_once(owner_client, kept_case):
    url = case_url(kept_case)
    assert balance(kept_case) in seen_twice(owner_client, url)

    services.debt_update(debt=kept_case.debts.get(), principal="9876")
    assert balance(kept_case) == "¥10,376.00"
    assert balance(kept_case) in owner_client.get(url).content.decode()

    make_contact(kept_case, summary="客服说可以申请停息挂账")
    assert "客服说可以申请停息挂账" in owner_client.get(url).content.decode()

    # The worker finishes a job with a conditional UPDATE, which sends no signal.
    document = make_document(kept_case, version=1, status=DocumentStatus.RUNNING)
    busy = owner_client.get(url).content.decode()
    GeneratedDocument.objects.filter(pk=document.pk, status=DocumentStatus.RUNNING).update(
        status=DocumentStatus.FAILED, error="渲染失败：测试"
    )
    assert owner_client.get(url).content.decode() != busy


def test_a_message_is_shown_once_and_the_page_after_it_is_current(owner_client, kept_case):
    url = reverse("cases:wizard_step", args=[kept_case.code, "debts"])
    seen_twice(owner_client, url)
    debt = kept_case.debts.get()
    edit = reverse("cases:debt_edit", args=[kept_case.code, debt.pk])
    form = owner_client.get(edit).context["form"]
    fields = {name: value for name, value in form.initial.items() if value is not None}
    response = owner_client.post(edit, {**fields, "principal": "11111"}, follow=True)
    assert "已保存修改。" in response.content.decode()
    after = owner_client.get(url).content.decode()
    assert "已保存修改。" not in after
    assert "11,111.00" in after


def test_each_language_has_its_own_copy(owner_client, kept_case):
    url = case_url(kept_case)
    chinese = seen_twice(owner_client, url)
    assert "证明材料" in chinese
    english = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "证明材料" not in english
    assert owner_client.get(url).content.decode() == chinese


def test_the_next_day_the_page_is_rendered_again(owner_client, kept_case, monkeypatch):
    url = case_url(kept_case)
    seen_twice(owner_client, url)
    tomorrow = timezone.localdate() + timedelta(days=1)
    monkeypatch.setattr(page_cache.timezone, "localdate", lambda: tomorrow)
    with CaptureQueriesContext(connection) as queries:
        owner_client.get(url)
    assert len(queries) > QUERIES_OF_A_KEPT_PAGE  # rendered again


def test_another_browser_of_the_same_user_gets_forms_it_can_send(owner, kept_case):
    """Forms carry the CSRF secret of the browser they were rendered for: a copy is never served to another."""
    first = Client()
    first.force_login(owner)
    seen_twice(first, case_url(kept_case))
    second = Client(enforce_csrf_checks=True)
    second.force_login(owner)
    second.get(case_url(kept_case))
    page = second.get(case_url(kept_case))
    token = page.context["csrf_token"] if page.context else None
    assert token is not None, "the second browser's page was rendered for it, not served from the first's copy"
    response = second.post(reverse("cases:delete", args=[kept_case.code]), {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 302
    assert not Case.objects.filter(pk=kept_case.pk).exists()


def test_another_user_still_gets_404(owner_client, outsider_client, kept_case):
    seen_twice(owner_client, case_url(kept_case))
    assert outsider_client.get(case_url(kept_case)).status_code == 404
    assert outsider_client.get(plan_url(kept_case)).status_code == 404


def test_pages_are_rendered_when_the_cache_is_down(owner_client, kept_case, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        },
    }
    page = seen_twice(owner_client, case_url(kept_case))
    assert balance(kept_case) in page


def test_a_page_rendered_afresh_reads_each_part_of_the_case_once(owner, media):
    """Without a kept copy, the case page of a case with lenders, documents, evidence and calls asks for each kind
    of row once: no section reads again what another has read. The debts are read twice, on purpose: in the order
    they were entered for the list, and with their lenders for the split."""
    case = case_with_debts(owner, "12000", "3000")
    ready_lender(case)
    make_document(case, version=1)
    make_contact(case)
    client = Client()  # no CSRF cookie yet: the page is rendered, not served from the cache
    client.force_login(owner)
    client.get(case_url(case))
    client.cookies.pop("csrftoken", None)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(case_url(case)).status_code == 200
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    tables = [sql.split(" FROM ", 1)[1].split()[0] for sql in selects]
    repeated = {table for table in tables if tables.count(table) > 1 and table != '"cases_debt"'}
    assert not repeated, tables
    assert len(queries) <= 14


def test_a_new_release_of_the_code_never_serves_a_page_made_by_the_one_before(settings, tmp_path):
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    template = tmp_path / "templates" / "cases" / "detail.html"
    template.parent.mkdir(parents=True)
    template.write_text("<p>旧</p>", encoding="utf-8")
    before = page_cache.fingerprint()
    template.write_text("<p>新的模板</p>", encoding="utf-8")
    after_template = page_cache.fingerprint()
    settings.STATIC_ROOT.mkdir()
    (settings.STATIC_ROOT / "staticfiles.json").write_text('{"paths": {}}', encoding="utf-8")
    after_static = page_cache.fingerprint()
    assert len({before, after_template, after_static}) == 3


def test_in_development_an_edited_template_shows_at_once(settings, tmp_path):
    """A development server keeps running while templates are edited: there the release is read on every page."""
    settings.BASE_DIR = tmp_path
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    template = tmp_path / "templates" / "page.html"
    template.parent.mkdir(parents=True)
    template.write_text("<p>旧</p>", encoding="utf-8")
    settings.DEBUG = True
    before = page_cache.release()
    template.write_text("<p>改过的模板</p>", encoding="utf-8")
    assert page_cache.release() != before
