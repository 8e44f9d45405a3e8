"""Migrations that move data: what a case held before the change is still there after it, or brought within a rule
that the change adds."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_an_items_single_file_and_status_carry_over():
    before = migrate([("cases", "0003_document_language")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    Evidence = before.get_model("cases", "Evidence")
    owner = User.objects.create(email="migrate@example.com", password="x")
    case = Case.objects.create(owner=owner, title="迁移")
    with_file = Evidence.objects.create(
        case=case,
        kind="id_card",
        position=1,
        file="evidence/old.jpg",
        original_name="身份证.jpg",
        content_type="image/jpeg",
        size=1234,
        status="sent",
        status_changed_on=date(2026, 3, 2),
        note="发给了在线客服",
    )
    Evidence.objects.create(case=case, kind="statement", position=2)
    try:
        after = migrate([("cases", "0004_evidence_files")])
        EvidenceFile = after.get_model("cases", "EvidenceFile")
        files = list(EvidenceFile.objects.values_list("evidence_id", "file", "original_name", "content_type", "size"))
        assert files == [(with_file.pk, "evidence/old.jpg", "身份证.jpg", "image/jpeg", 1234)]
        assert after.get_model("cases", "Evidence").objects.count() == 2
        EvidenceEvent = after.get_model("cases", "EvidenceEvent")
        history = list(EvidenceEvent.objects.values_list("evidence_id", "status", "on", "note"))
        assert history == [(with_file.pk, "sent", date(2026, 3, 2), "发给了在线客服")]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_rows_that_break_the_new_rules_are_brought_within_them():
    before = migrate([("cases", "0004_evidence_files")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    owner = User.objects.create(email="migrate@example.com", password="x")
    case = Case.objects.create(owner=owner, title="迁移", down_payment=Decimal("-5"))
    debt = before.get_model("cases", "Debt").objects.create(
        case=case, principal=Decimal("-1"), minimum_payment=Decimal("-3"), daily_rate=Decimal("0.05")
    )
    before.get_model("cases", "Hardship").objects.create(case=case, dependents=25, monthly_income=Decimal("-1"))
    agreement = before.get_model("cases", "Agreement").objects.create(
        case=case,
        kind="installments",
        total_to_repay=Decimal("1000"),
        installment_count=2,
        first_due_date=date(2026, 4, 1),
        annual_rate=Decimal("0.5"),
    )
    Installment = before.get_model("cases", "Installment")
    for number in (1, 2):
        Installment.objects.create(
            agreement=agreement,
            number=number,
            due_date=date(2026, 3 + number, 1),
            amount_due=Decimal("500"),
            principal=Decimal("500"),
            interest=Decimal("0"),
        )
    Payment = before.get_model("cases", "Payment")
    for amount in ("500", "300", "-100", "0"):
        Payment.objects.create(agreement=agreement, paid_on=date(2026, 3, 1), amount=Decimal(amount))
    Evidence = before.get_model("cases", "Evidence")
    first = Evidence.objects.create(case=case, kind="id_card", position=1, from_checklist=True)
    again = Evidence.objects.create(case=case, kind="id_card", position=2, from_checklist=True)
    try:
        after = migrate([("cases", "0005_invariants")])
        case = after.get_model("cases", "Case").objects.get(pk=case.pk)
        assert case.down_payment == 0
        debt = after.get_model("cases", "Debt").objects.get(pk=debt.pk)
        assert (debt.principal, debt.minimum_payment, debt.daily_rate) == (0, None, Decimal("0.01"))
        hardship = after.get_model("cases", "Hardship").objects.get(case=case)
        assert (hardship.dependents, hardship.monthly_income) == (20, 0)
        assert after.get_model("cases", "Agreement").objects.get(pk=agreement.pk).annual_rate == Decimal("0.36")
        payments = after.get_model("cases", "Payment").objects.filter(agreement_id=agreement.pk)
        assert sorted(payments.values_list("amount", flat=True)) == [300, 500]
        installments = (
            after.get_model("cases", "Installment").objects.filter(agreement_id=agreement.pk).order_by("number")
        )
        assert list(installments.values_list("amount_paid", "status")) == [(500, "paid"), (300, "partial")]
        items = after.get_model("cases", "Evidence").objects.filter(case=case)
        assert dict(items.values_list("pk", "from_checklist")) == {first.pk: True, again.pk: False}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_lender_of_a_case_becomes_one_creditor_with_the_plan_it_had():
    before = migrate([("cases", "0005_invariants")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    Debt = before.get_model("cases", "Debt")
    owner = User.objects.create(email="migrate@example.com", password="x")
    case = Case.objects.create(
        owner=owner, title="两家", goal="interest_frozen", requested_months=36, down_payment=Decimal("500")
    )
    huabei = Debt.objects.create(case=case, lender="huabei", principal=Decimal("12000"))
    card = Debt.objects.create(case=case, lender="credit_card", lender_name="招商银行", principal=Decimal("8000"))
    card_2 = Debt.objects.create(case=case, lender="credit_card", lender_name=" 招商银行", principal=Decimal("900"))
    empty_case = Case.objects.create(owner=owner, title="还没填欠款")
    try:
        after = migrate([("cases", "0007_debt_creditor_required")])
        Creditor = after.get_model("cases", "Creditor")
        rows = list(
            Creditor.objects.filter(case_id=case.pk)
            .order_by("position")
            .values_list("kind", "name", "legal_name", "goal", "requested_months", "down_payment")
        )
        assert rows == [
            ("huabei", "蚂蚁花呗", "重庆蚂蚁消费金融有限公司", "interest_frozen", 36, Decimal("500.00")),
            ("credit_card", "招商银行", "招商银行信用卡中心", "interest_frozen", 36, Decimal("0.00")),
        ]
        by_debt = dict(after.get_model("cases", "Debt").objects.values_list("pk", "creditor__name"))
        assert by_debt == {huabei.pk: "蚂蚁花呗", card.pk: "招商银行", card_2.pk: "招商银行"}
        assert not Creditor.objects.filter(case_id=empty_case.pk).exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_a_call_logged_before_contacts_named_their_lender_goes_to_the_only_one():
    before = migrate([("cases", "0011_case_bundle")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    Creditor = before.get_model("cases", "Creditor")
    ContactLog = before.get_model("cases", "ContactLog")
    owner = User.objects.create(email="migrate@example.com", password="x")
    one, two = Case.objects.create(owner=owner, title="一家"), Case.objects.create(owner=owner, title="两家")
    huabei = Creditor.objects.create(case=one, kind="huabei", name="蚂蚁花呗")
    Creditor.objects.create(case=two, kind="huabei", name="蚂蚁花呗")
    Creditor.objects.create(case=two, kind="credit_card", name="招商银行")
    call = {"occurred_at": datetime(2026, 3, 2, 10, tzinfo=UTC), "channel": "phone_95188", "summary": "问了停息"}
    with_one, with_two = ContactLog.objects.create(case=one, **call), ContactLog.objects.create(case=two, **call)
    try:
        after = migrate([("cases", "0012_contact_lender_and_status_history")])
        lenders = dict(after.get_model("cases", "ContactLog").objects.values_list("pk", "creditor_id"))
        assert lenders == {with_one.pk: huabei.pk, with_two.pk: None}  # which of the two it was, nobody can say
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_lender_takes_its_cases_status_and_an_agreement_its_lender():
    before = migrate([("cases", "0013_document_claim_and_queue")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    Creditor = before.get_model("cases", "Creditor")
    Debt = before.get_model("cases", "Debt")
    Agreement = before.get_model("cases", "Agreement")
    owner = User.objects.create(email="migrate@example.com", password="x")
    case = Case.objects.create(owner=owner, title="迁移", status="repaying")
    huabei = Creditor.objects.create(case=case, kind="huabei", name="蚂蚁花呗")
    card = Creditor.objects.create(case=case, kind="credit_card", name="招商银行")
    huabei_debt = Debt.objects.create(case=case, creditor=huabei, principal=Decimal("1000"))
    card_debt = Debt.objects.create(case=case, creditor=card, principal=Decimal("2000"))
    terms = {"case": case, "kind": "installments", "total_to_repay": Decimal("100"), "installment_count": 1}
    first, second, both = (Agreement.objects.create(first_due_date=date(2026, 3, 2), **terms) for _ in range(3))
    first.debts.set([huabei_debt])
    second.debts.set([huabei_debt])  # a second agreement with the same lender: the first entered keeps it
    both.debts.set([huabei_debt, card_debt])
    try:
        after = migrate([("cases", "0014_agreement_per_lender_offers_reminders")])
        statuses = set(after.get_model("cases", "Creditor").objects.values_list("status", flat=True))
        assert statuses == {"repaying"}
        lenders = dict(after.get_model("cases", "Agreement").objects.values_list("pk", "creditor_id"))
        assert lenders == {first.pk: huabei.pk, second.pk: None, both.pk: None}
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
