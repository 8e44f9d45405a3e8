"""The admin pages of every model in cases/admin.py open for a superuser: changelist (searched and filtered), add and
change."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import (
    Agreement,
    Case,
    ContactLog,
    Debt,
    Evidence,
    EvidenceKind,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    Payment,
)

from .conftest import PASSWORD

# A filter each changelist accepts (a bad one redirects with ?e=1) and that the object built below matches.
FILTERS = {
    Case: "status=preparing",
    Debt: "lender=huabei",
    Hardship: "since__isnull=False",
    Evidence: "kind=id_card",
    ContactLog: "channel=phone_95188",
    Agreement: "kind=installments",
    Installment: "status=partial",
    Payment: "paid_on__isnull=False",
    GeneratedDocument: "kind=proposal",
}
CASES_MODELS = [model for model in admin.site._registry if model._meta.app_label == "cases"]


def test_every_registered_model_is_covered():
    assert set(CASES_MODELS) == set(FILTERS)


@pytest.fixture
def superuser_client(db) -> Client:
    superuser = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def objects(owner) -> dict[type, object]:
    """One object of each model, all in one case."""
    today = timezone.localdate()
    case = services.case_create(owner=owner, title="花呗逾期协商", debtor_name="张三", id_number="11010519491231002X")
    debt = services.debt_create(case=case, principal="10000", overdue_since=today - timedelta(days=90))
    hardship = services.hardship_save(
        case=case, reasons=[HardshipReason.ILLNESS], since=today - timedelta(days=200), monthly_income="3000"
    )
    evidence = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD, title="身份证")
    contact = services.contact_log_create(
        case=case, occurred_at=timezone.now(), channel="phone_95188", agent_name="小蚂蚁", summary="问了停息挂账"
    )
    agreement = services.agreement_create(
        case=case,
        debts=[debt],
        kind="installments",
        total_to_repay="10000",
        installment_count=12,
        first_due_date=today + timedelta(days=10),
        signed_on=today,
    )
    payment = services.payment_record(agreement=agreement, paid_on=today, amount="100", note="第一笔")
    document = GeneratedDocument.objects.create(case=case, kind="proposal", version=1)
    return {
        Case: case,
        Debt: debt,
        Hardship: hardship,
        Evidence: evidence,
        ContactLog: contact,
        Agreement: agreement,
        Installment: agreement.installments.first(),
        Payment: payment,
        GeneratedDocument: document,
    }


def admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", CASES_MODELS, ids=lambda model: model.__name__)
class TestAdminPages:
    def test_changelist(self, superuser_client, objects, model):
        url = admin_url(model, "changelist")
        response = superuser_client.get(url)
        assert response.status_code == 200
        assert objects[model] in response.context["cl"].result_list

    def test_changelist_search(self, superuser_client, objects, model):
        response = superuser_client.get(admin_url(model, "changelist"), {"q": "x"})
        assert response.status_code == 200
        # Every model searches the case title, directly or through a relation.
        response = superuser_client.get(admin_url(model, "changelist"), {"q": "花呗逾期"})
        assert response.status_code == 200
        assert objects[model] in response.context["cl"].result_list

    def test_changelist_filter(self, superuser_client, objects, model):
        response = superuser_client.get(f"{admin_url(model, 'changelist')}?{FILTERS[model]}&q=x")
        assert response.status_code == 200
        response = superuser_client.get(f"{admin_url(model, 'changelist')}?{FILTERS[model]}")
        assert response.status_code == 200
        assert objects[model] in response.context["cl"].result_list

    def test_add_page(self, superuser_client, objects, model):
        assert superuser_client.get(admin_url(model, "add")).status_code == 200

    def test_change_page(self, superuser_client, objects, model):
        response = superuser_client.get(admin_url(model, "change", objects[model].pk))
        assert response.status_code == 200
        assert response.context["original"] == objects[model]


def test_admin_is_closed_to_ordinary_users(owner_client):
    response = owner_client.get(admin_url(Case, "changelist"))
    assert response.status_code == 302
