"""The admin for support staff: every page of every model opens (changelist searched and filtered, add, change,
history, delete); its writes go through the services (a case's status along its legal path only, documents marked
out of date, payments allocated again); and no page ever shows a full ID number."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import User
from cases import selectors, services
from cases.models import (
    Agreement,
    Case,
    CaseStatus,
    ContactLog,
    Debt,
    Evidence,
    EvidenceKind,
    GeneratedDocument,
    Hardship,
    HardshipReason,
    Installment,
    Payment,
    mask_id_number,
)

from .builders import (
    PASSWORD,
    VALID_ID,
    make_agreement,
    make_case,
    make_contact,
    make_debt,
    make_document,
    make_hardship,
    ready_lender,
    today,
)

# A filter each changelist accepts (a bad one redirects with ?e=1) and that the object built below matches.
FILTERS = {
    Case: "status=repaying",  # the case below has an agreement with a payment
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
# Made only by agreement_create, so there is nothing to add by hand.
NOT_ADDED_HERE = {Installment}


def test_every_registered_model_is_covered():
    assert set(CASES_MODELS) == set(FILTERS)


@pytest.fixture
def superuser_client(db) -> Client:
    superuser = User.objects.create_superuser(email="admin@example.com", password=PASSWORD)
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def objects(owner, settings, tmp_path) -> dict[type, object]:
    """One object of each model, all in one case, whose debtor gave a real-looking ID number."""
    settings.MEDIA_ROOT = tmp_path
    case = make_case(owner, debtor_name="张三", id_number=VALID_ID)
    debt = make_debt(case, overdue_since=today() - timedelta(days=90))
    hardship = make_hardship(case, reasons=[HardshipReason.ILLNESS], since=today() - timedelta(days=200))
    evidence = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD, title="身份证")
    agreement = make_agreement(case, [debt], total_to_repay="10000", signed_on=today())
    payment = services.payment_record(agreement=agreement, paid_on=today(), amount="100", note="第一笔")
    return {
        Case: case,
        Debt: debt,
        Hardship: hardship,
        Evidence: evidence,
        ContactLog: make_contact(case, agent_name="小蚂蚁"),
        Agreement: agreement,
        Installment: agreement.installments.get(number=1),
        Payment: payment,
        GeneratedDocument: services.document_request(
            case=case, creditor=ready_lender(case), kind="proposal", language="zh-hans"
        ),
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
        expected = 403 if model in NOT_ADDED_HERE else 200
        assert superuser_client.get(admin_url(model, "add")).status_code == expected

    def test_change_page(self, superuser_client, objects, model):
        response = superuser_client.get(admin_url(model, "change", objects[model].pk))
        assert response.status_code == 200
        assert response.context["original"] == objects[model]


def test_admin_is_closed_to_ordinary_users(owner_client):
    response = owner_client.get(admin_url(Case, "changelist"))
    assert response.status_code == 302


# --- the form as a browser sends it ---------------------------------------------------------------------------


class FormReader(HTMLParser):
    """What a browser would send from one form of a page: its inputs, chosen options and text areas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: dict | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "name" not in attrs and tag != "option":
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            ticked = kind not in ("checkbox", "radio") or "checked" in attrs
            if kind not in ("submit", "button", "file", "image", "reset") and ticked:
                self.data.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        elif tag == "select":
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "first": None, "chosen": []}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value") or ""
            self.select["first"] = value if self.select["first"] is None else self.select["first"]
            if "selected" in attrs:
                self.select["chosen"].append(value)
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.data[self.textarea] = [""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen = self.select["chosen"]
            if not chosen and not self.select["multiple"] and self.select["first"] is not None:
                chosen = [self.select["first"]]
            if chosen:
                self.data[self.select["name"]] = chosen
            self.select = None
        elif tag == "textarea" and self.textarea:
            # A browser drops the line break that starts a text area.
            self.data[self.textarea][0] = self.data[self.textarea][0].removeprefix("\n")
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data


def form_data(client: Client, model, *args) -> dict[str, list[str]]:
    """The add (no args) or change page's form, filled in as the page shows it."""
    response = client.get(admin_url(model, "change", *args) if args else admin_url(model, "add"))
    assert response.status_code == 200
    reader = FormReader(f"{model._meta.model_name}_form")
    reader.feed(response.content.decode())
    assert reader.data, "the page has no form"
    return reader.data


def post_form(client: Client, model, changes: dict[str, str], *args):
    data = form_data(client, model, *args)
    data.update({name: [value] for name, value in changes.items()})
    url = admin_url(model, "change", *args) if args else admin_url(model, "add")
    return client.post(url, data)


# --- a case's status ------------------------------------------------------------------------------------------


def test_a_legal_status_change_goes_through(superuser_client, objects):
    case = objects[Case]
    response = post_form(superuser_client, Case, {"status": CaseStatus.CONTACTED}, case.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CONTACTED
    assert LogEntry.objects.get(object_id=str(case.pk)).get_change_message()


def test_an_illegal_status_change_is_refused_with_the_reason(superuser_client, objects):
    case = objects[Case]
    with pytest.raises(ValidationError) as service_refusal:
        services.case_change_status(case=case, status=CaseStatus.PREPARING)
    # A title changed along with it is not kept either: the page saved nothing.
    response = post_form(superuser_client, Case, {"status": CaseStatus.PREPARING, "title": "改过的名字"}, case.pk)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"] == service_refusal.value.message_dict["status"]
    case.refresh_from_db()
    assert (case.status, case.title) == (CaseStatus.REPAYING, "花呗逾期协商")
    assert not LogEntry.objects.exists()


def test_the_status_field_says_where_the_case_may_go(superuser_client, objects):
    response = superuser_client.get(admin_url(Case, "change", objects[Case].pk))
    help_text = str(response.context["adminform"].form.fields["status"].help_text)
    assert str(CaseStatus.CONTACTED.label) in help_text
    assert str(CaseStatus.PREPARING.label) not in help_text


# --- writes that change what the documents print ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (Debt, "principal", "12000.00"),
        (Hardship, "monthly_income", "2500.00"),
        (Evidence, "title", "身份证正反面"),
        (Case, "debtor_name", "张三丰"),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else str(value),
)
def test_a_change_in_the_admin_marks_the_documents_out_of_date(superuser_client, objects, model, field, value):
    case = objects[Case]
    document = make_document(case, version=2)
    case.refresh_from_db()
    assert selectors.outdated_documents(case, selectors.case_documents(case)) == set()
    response = post_form(superuser_client, model, {field: value}, objects[model].pk)
    assert response.status_code == 302
    row = model.objects.get(pk=objects[model].pk)
    assert str(getattr(row, field)) == value
    case.refresh_from_db()
    assert selectors.outdated_documents(case, selectors.case_documents(case)) == {document.pk}


def test_a_debt_amount_the_service_refuses_is_a_form_error(superuser_client, objects):
    debt = objects[Debt]
    response = post_form(superuser_client, Debt, {"principal": "-5", "lender_name": "花呗"}, debt.pk)
    assert response.status_code == 200
    with pytest.raises(ValidationError) as service_refusal:
        services.debt_update(debt=debt, principal="-5")
    assert response.context["adminform"].form.errors["principal"] == service_refusal.value.message_dict["principal"]
    debt.refresh_from_db()
    assert (debt.principal, debt.lender_name) == (10000, "")


def test_a_debt_added_in_the_admin_goes_through_the_service(superuser_client, objects):
    case = objects[Case]
    response = post_form(superuser_client, Debt, {"case": str(case.pk), "principal": "3000", "lender": "jiebei"})
    assert response.status_code == 302
    assert case.debts.filter(lender="jiebei", principal=3000).exists()
    case.refresh_from_db()
    assert case.documents_changed_at is not None


def test_a_debt_in_an_agreement_is_not_deleted(superuser_client, objects):
    debt = objects[Debt]
    response = superuser_client.post(admin_url(Debt, "delete", debt.pk), {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert Debt.objects.filter(pk=debt.pk).exists()
    assert "还款协议" in str(list(response.context["messages"])[0])


# --- what no one edits by hand --------------------------------------------------------------------------------


def test_an_items_status_is_shown_not_edited(superuser_client, objects):
    data = form_data(superuser_client, Evidence, objects[Evidence].pk)
    assert "status" not in data
    assert "kind" not in data


@pytest.mark.parametrize("model", [Agreement, Installment, Payment, GeneratedDocument], ids=lambda m: m.__name__)
def test_rows_the_services_compute_are_view_only(superuser_client, objects, model):
    url = admin_url(model, "change", objects[model].pk)
    assert superuser_client.get(url).context["has_change_permission"] is False
    assert superuser_client.post(url, {}).status_code == 403


def test_a_payment_added_and_deleted_in_the_admin_pays_the_installments_again(superuser_client, objects):
    agreement = objects[Agreement]
    first = agreement.installments.get(number=1)
    response = post_form(
        superuser_client, Payment, {"agreement": str(agreement.pk), "paid_on": today().isoformat(), "amount": "200"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.amount_paid == 300
    response = superuser_client.post(admin_url(Payment, "delete", objects[Payment].pk), {"post": "yes"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.amount_paid == 200


def test_an_overpayment_is_refused_on_the_add_page(superuser_client, objects):
    agreement = objects[Agreement]
    changes = {"agreement": str(agreement.pk), "paid_on": today().isoformat(), "amount": "99999"}
    response = post_form(superuser_client, Payment, changes)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["amount"]
    assert agreement.payments.count() == 1


def test_deleting_a_case_takes_everything_it_holds(superuser_client, objects):
    case = objects[Case]
    response = superuser_client.get(admin_url(Case, "delete", case.pk))
    assert response.status_code == 200
    assert not response.context["perms_lacking"]
    response = superuser_client.post(admin_url(Case, "delete", case.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not Case.objects.filter(pk=case.pk).exists()
    assert not Installment.objects.exists()


# --- the ID number --------------------------------------------------------------------------------------------


def every_admin_page(objects) -> list[str]:
    """Index, and for every registered model of every app: changelist (searched too), add, change, history and
    delete of one of its rows."""
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        urls += [admin_url(model, "changelist"), admin_url(model, "changelist") + "?q=%E8%8A%B1%E5%91%97"]
        urls.append(admin_url(model, "add"))
        row = objects.get(model) or model._default_manager.first()
        if row is None:
            continue
        for action in ("change", "history", "delete"):
            try:
                urls.append(admin_url(model, action, row.pk))
            except NoReverseMatch:
                continue
    return urls


def test_no_admin_page_shows_the_full_id_number(superuser_client, objects):
    case = objects[Case]
    # Something in every history: a change made through the admin.
    post_form(superuser_client, Case, {"status": CaseStatus.CONTACTED, "contact_phone": "13800138000"}, case.pk)
    post_form(superuser_client, Debt, {"principal": "12000"}, objects[Debt].pk)
    case.refresh_from_db()
    assert case.id_number == VALID_ID
    pages = every_admin_page(objects)
    assert len(pages) > 50
    for url in pages:
        response = superuser_client.get(url)
        assert response.status_code in (200, 403), url
        html = response.content.decode()
        assert VALID_ID not in html, url
        assert VALID_ID.lower() not in html, url
    change_page = superuser_client.get(admin_url(Case, "change", case.pk))
    assert mask_id_number(VALID_ID) in change_page.content.decode()
    assert "id_number" not in change_page.context["adminform"].form.fields


def test_the_id_number_finds_nothing(superuser_client, objects):
    response = superuser_client.get(admin_url(Case, "changelist"), {"q": VALID_ID})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_a_case_saved_in_the_admin_keeps_its_id_number(superuser_client, objects):
    case = objects[Case]
    response = post_form(superuser_client, Case, {"title": "花呗和借呗"}, case.pk)
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.title, case.id_number) == ("花呗和借呗", VALID_ID)


def test_a_history_entry_names_the_case_not_the_debtor(superuser_client, objects):
    case = objects[Case]
    post_form(superuser_client, Case, {"contact_phone": "13900139000"}, case.pk)
    entry = LogEntry.objects.get(object_id=str(case.pk))
    assert entry.object_repr == case.title
    assert VALID_ID not in entry.change_message


def test_the_add_page_makes_a_case_through_the_service(superuser_client, owner):
    response = post_form(superuser_client, Case, {"owner": str(owner.pk), "title": "新案件"})
    assert response.status_code == 302
    case = Case.objects.get(title="新案件")
    assert (case.owner, case.status) == (owner, CaseStatus.PREPARING)


def test_the_case_add_page_refuses_a_blank_title(superuser_client, owner):
    response = post_form(superuser_client, Case, {"owner": str(owner.pk), "title": "  "})
    assert response.status_code == 200
    assert not Case.objects.exists()


def test_contact_log_changed_in_the_admin(superuser_client, objects):
    entry = objects[ContactLog]
    later = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = post_form(superuser_client, ContactLog, {"next_follow_up": later}, entry.pk)
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.next_follow_up.isoformat() == later


def test_the_other_add_pages_go_through_their_services(superuser_client, objects, owner):
    case, debt = objects[Case], objects[Debt]
    bare = make_case(owner, title="借呗")
    card = make_debt(case, lender="credit_card", lender_name="招商银行")  # the 花呗 debt has its agreement already
    now = timezone.localtime()
    adds = [
        (Hardship, {"case": str(bare.pk), "monthly_income": "4000", "reasons": HardshipReason.UNEMPLOYMENT}),
        (Evidence, {"case": str(case.pk), "kind": EvidenceKind.BANK_STATEMENT, "title": "工资流水"}),
        (
            ContactLog,
            {
                "case": str(case.pk),
                "creditor": str(debt.creditor.pk),
                "occurred_at_0": now.date().isoformat(),
                "occurred_at_1": now.strftime("%H:%M:%S"),
                "channel": "app_chat",
                "summary": "在线客服说要收入证明",
            },
        ),
        (
            Agreement,
            {
                "case": str(case.pk),
                "debts": str(card.pk),
                "kind": "interest_frozen",
                "total_to_repay": "6000",
                "installment_count": "6",
                "first_due_date": (today() + timedelta(days=5)).isoformat(),
            },
        ),
        (
            GeneratedDocument,
            {"case": str(case.pk), "creditor": str(ready_lender(case).pk), "kind": "hardship_letter", "language": "en"},
        ),
    ]
    for model, changes in adds:
        response = post_form(superuser_client, model, changes)
        assert response.status_code == 302, (model, response.context and response.context["adminform"].form.errors)
    # What only the services do: the checklist the hardship asks for, the attachment number, the schedule, the version.
    assert bare.evidence.filter(kind=EvidenceKind.UNEMPLOYMENT_CERTIFICATE, from_checklist=True).exists()
    assert case.evidence.get(title="工资流水").position == case.evidence.count()
    assert case.contacts.filter(channel="app_chat").exists()
    assert case.agreements.get(kind="interest_frozen").installments.count() == 6
    assert case.documents.get(kind="hardship_letter").version == 1
