"""The user's progress page (cases/views/dashboard.py): each case and lender with its status, next step and date,
what is owed and the next installment, the balance chart; reminders shown in the app and marked read; the e-mail
preference. Its number of queries does not grow with cases, lenders, installments or payments."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import LenderKind, Reminder, ReminderPreference

from .builders import case_with_debts, make_agreement, make_contact, make_debt, make_user, today
from .test_url_matrix import database_state

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("cases:dashboard")


def build(owner, *, cases: int, lenders: int, months: int, payments: int) -> None:
    """Cases with lenders, each with an agreement under way, payments, a contact and reminders."""
    for number in range(cases):
        case = case_with_debts(owner, title=f"案件{number}")
        for extra in range(1, lenders):
            make_debt(case, lender=LenderKind.CREDIT_CARD, lender_name=f"银行{extra}", principal="5000")
        make_contact(case, next_follow_up=today() + timedelta(days=5))
        for creditor in case.creditors.all():
            agreement = make_agreement(
                case,
                None,
                creditor=creditor,
                total_to_repay=str(100 * months),
                installment_count=months,
                first_due_date=today() - timedelta(days=40),
            )
            for _ in range(payments):
                services.payment_record(agreement=agreement, paid_on=today(), amount="10")
    services.reminders_create(today=today() + timedelta(days=-40 + 28))


def queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(DASHBOARD).status_code == 200
    return len(captured)


def test_the_number_of_queries_does_not_grow(client):
    small, large = make_user("small@example.com"), make_user("large@example.com")
    build(small, cases=1, lenders=1, months=2, payments=1)
    build(large, cases=4, lenders=3, months=36, payments=5)
    client.force_login(small)
    few = queries(client)
    client.force_login(large)
    many = queries(client)
    assert few == many, (few, many)
    assert many <= 15


def test_each_case_and_lender_with_its_next_step(owner_client, owner):
    case = case_with_debts(owner, title="花呗和信用卡")
    card = make_debt(case, lender=LenderKind.CREDIT_CARD, lender_name="招商银行", principal="3000", interest="0")
    huabei = case.creditors.get(kind=LenderKind.HUABEI)
    agreement = make_agreement(
        case,
        None,
        creditor=huabei,
        total_to_repay="900",
        installment_count=3,
        first_due_date=today() + timedelta(days=2),
    )
    services.payment_record(agreement=agreement, paid_on=today(), amount="100")
    make_contact(case, creditor=card.creditor, next_follow_up=today() + timedelta(days=4))
    text = owner_client.get(DASHBOARD).content.decode()
    due = (today() + timedelta(days=2)).isoformat()
    assert "花呗和信用卡" in text and "履约中" in text
    assert f"{due} 前还第 1 期 ¥200.00" in text  # 300 less the 100 paid
    assert "还欠 ¥800.00" in text and "还欠 ¥3,000.00" in text and "¥3,800.00" in text
    assert f"{(today() + timedelta(days=4)).isoformat()} 跟进招商银行" in text
    assert "<svg" in text and "剩余应还金额" in text and "现在还剩 ¥800.00" in text


def test_a_missed_installment_comes_first(owner_client, owner):
    case = case_with_debts(owner)
    make_agreement(
        case,
        list(case.debts.all()),
        total_to_repay="900",
        installment_count=3,
        first_due_date=today() - timedelta(days=1),
    )
    text = owner_client.get(DASHBOARD).content.decode()
    assert "已逾期，还差 ¥300.00：今天就联系蚂蚁花呗说明情况" in text


def test_no_case_yet(owner_client):
    assert "还没有协商案件" in owner_client.get(DASHBOARD).content.decode()


def test_linked_from_the_home_page(owner_client, owner):
    case_with_debts(owner)
    assert DASHBOARD in owner_client.get(reverse("home")).content.decode()


class TestNotices:
    @pytest.fixture
    def reminder(self, owner):
        case = case_with_debts(owner)
        make_agreement(
            case,
            list(case.debts.all()),
            total_to_repay="900",
            installment_count=3,
            first_due_date=today() + timedelta(days=1),
        )
        services.reminders_create(today=today())
        return Reminder.objects.get()

    def test_shown_until_read(self, owner_client, reminder):
        assert "蚂蚁花呗第 1 期明天到期，还需 ¥300.00。" in owner_client.get(DASHBOARD).content.decode()
        read = reverse("cases:notice_read", args=[reminder.case.code, reminder.pk])
        assert owner_client.post(read).status_code == 302
        assert "明天到期" not in owner_client.get(DASHBOARD).content.decode()

    def test_another_user_gets_404(self, outsider_client, anonymous_client, reminder):
        read = reverse("cases:notice_read", args=[reminder.case.code, reminder.pk])
        before = database_state()
        assert outsider_client.post(read).status_code == 404
        assert anonymous_client.post(read)["Location"].startswith(reverse("login"))
        assert outsider_client.get(read).status_code == 405
        assert database_state() == before
        assert "明天到期" not in outsider_client.get(DASHBOARD).content.decode()


def test_the_email_preference(owner_client, owner):
    settings_url = reverse("cases:reminder_settings")
    chosen = re.search(r'<input[^>]*name="email"[^>]*checked[^>]*>', owner_client.get(settings_url).content.decode())
    assert chosen and 'value="on"' in chosen.group(0)  # on until turned off
    assert owner_client.post(settings_url, {}).status_code == 200  # an empty form changes nothing
    assert not ReminderPreference.objects.exists()
    assert owner_client.post(settings_url, {"email": "off"}).status_code == 302
    assert ReminderPreference.objects.get(user=owner).email_enabled is False
    assert owner_client.post(settings_url, {"email": "on"}).status_code == 302
    assert services.email_enabled(owner)


def test_a_visitor_is_sent_to_sign_in(anonymous_client):
    for address in (DASHBOARD, reverse("cases:reminder_settings")):
        assert anonymous_client.get(address)["Location"].startswith(reverse("login") + "?next=")
