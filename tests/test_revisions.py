"""cases/revisions.py: every save, delete, update and bulk write of a case or of anything it holds draws the case a
new revision, and nothing else's; a case saved from an instance loaded earlier never puts back an older number; a
number never comes back, not even after a restore."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models

from cases import revisions, services
from cases.models import (
    Case,
    CaseGoal,
    Creditor,
    Debt,
    Evidence,
    EvidenceFile,
    Installment,
    InstallmentStatus,
    Offer,
    ReminderPreference,
)

from .builders import case_with_debts, give_file, make_agreement, today

pytestmark = pytest.mark.django_db


def revision(case: Case) -> int:
    return Case.objects.values_list("revision", flat=True).get(pk=case.pk)


def _reaches_case(model: type[models.Model], seen: frozenset = frozenset()) -> bool:
    for field in model._meta.concrete_fields:
        target = getattr(field, "related_model", None)
        if target is Case:
            return True
        followed = target is not None and target not in seen and target._meta.app_label == "cases"
        if followed and _reaches_case(target, seen | {model}):
            return True
    return False


def test_every_model_a_case_holds_names_its_case_and_moves_the_revision_on_bulk_writes():
    """A new model that holds part of a case must say how it reaches it, or pages of the case would go stale."""
    held = [m for m in apps.get_app_config("cases").get_models() if m is not Case and _reaches_case(m)]
    assert len(held) >= 15
    for model in held:
        path = revisions.case_path(model)
        assert path, f"{model.__name__} reaches a case but has no case_path"
        list(model.objects.values_list(path, flat=True)[:1])  # the path resolves to the case
        assert isinstance(model._default_manager.get_queryset(), revisions.CaseContentQuerySet), model.__name__
    # The one model of the app that is the user's, not a case's.
    assert not _reaches_case(ReminderPreference)


@pytest.fixture
def full_case(owner):
    """A case with a row of each kind of path: its own (debt), through evidence, through its agreement, through a
    lender."""
    case = case_with_debts(owner, "12000")
    debt = case.debts.get()
    agreement = make_agreement(case, [debt])
    services.offer_create(
        creditor=debt.creditor,
        received_on=today(),
        kind=CaseGoal.INSTALLMENTS,
        total_to_repay="12000",
        months=12,
    )
    give_file(case.evidence.first())
    case.refresh_from_db()
    return case, agreement


def _row(case: Case, model: type[models.Model]) -> models.Model:
    path = revisions.case_path(model)
    return model.objects.filter(**{path: case}).first()


@pytest.mark.parametrize("model", [Debt, Creditor, Evidence, EvidenceFile, Installment, Offer])
def test_a_save_an_update_and_a_delete_each_move_the_revision_on(full_case, other_case, model):
    case, _agreement = full_case
    row = _row(case, model)
    assert row is not None
    others = revision(other_case)

    before = revision(case)
    row.save()
    assert revision(case) != before

    field = next(f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)
    unchanged = {field.attname: getattr(row, field.attname)}
    before = revision(case)
    assert model.objects.filter(pk=row.pk).update(**unchanged) == 1
    assert revision(case) != before

    # An update that matches nothing changes nothing.
    before = revision(case)
    assert model.objects.filter(pk=-1).update(**unchanged) == 0
    assert revision(case) == before

    assert revision(other_case) == others


@pytest.mark.parametrize("model", [EvidenceFile, Installment, Offer])
def test_a_delete_moves_the_revision_on(full_case, other_case, model):
    case, _agreement = full_case
    others = revision(other_case)
    before = revision(case)
    _row(case, model).delete()
    assert revision(case) != before
    assert revision(other_case) == others


def test_bulk_create_and_bulk_update_move_the_revision_on(full_case):
    case, agreement = full_case
    installments = list(agreement.installments.order_by("number"))
    before = revision(case)
    for installment in installments:
        installment.amount_paid = Decimal("0.00")
        installment.status = InstallmentStatus.DUE
    Installment.objects.bulk_update(installments, ["amount_paid", "status"])
    assert revision(case) != before

    before = revision(case)
    evidence = case.evidence.first()
    row = EvidenceFile(evidence=evidence, file="evidence/x.pdf", original_name="x.pdf", size=1)
    EvidenceFile.objects.bulk_create([row])
    assert revision(case) != before


def test_the_case_s_own_save_and_update_move_it_on_and_a_stale_instance_never_puts_an_older_number_back(case):
    stale = Case.objects.get(pk=case.pk)
    before = revision(case)
    Case.objects.filter(pk=case.pk).update(title="新的名称")
    updated = revision(case)
    assert updated != before

    stale.title = "从旧页面保存"
    stale.save()
    assert revision(case) not in (before, updated)
    stale.refresh_from_db()
    assert stale.title == "从旧页面保存"


def test_services_move_it_on(case, debt):
    before = revision(case)
    services.debt_update(debt=debt, principal="9999")
    assert revision(case) != before
    before = revision(case)
    Offer.objects.none().update(note="x")  # an empty queryset updates nothing
    assert revision(case) == before


def test_a_restored_case_does_not_count_up_through_numbers_it_had_before(case, debt):
    """After a database is restored from a backup, a case's next revisions are not those it had the first time, whose
    pages may still be kept."""
    backup = revision(case)
    first_time = set()
    for principal in ("9000", "9100", "9200"):
        services.debt_update(debt=debt, principal=principal)
        first_time.add(revision(case))
    Case.objects.filter(pk=case.pk).update(revision=backup)  # the restore
    debt.refresh_from_db()
    again = set()
    for principal in ("9300", "9400", "9500"):
        services.debt_update(debt=debt, principal=principal)
        again.add(revision(case))
    assert not again & first_time


@pytest.mark.django_db(transaction=True)
def test_a_revision_that_fails_to_move_takes_the_write_back_with_it(owner, monkeypatch):
    """Outside any transaction (a worker's claim is a bare UPDATE, a save may be one too), the write and its
    revision are one: if the revision cannot move (the database busy for a moment), the write is not kept either,
    so a retry finds the row as it was and no kept page misses a change."""
    from django.db import OperationalError

    case = case_with_debts(owner, "12000")
    debt = case.debts.get()

    def busy(_case_ids):
        raise OperationalError("database is locked")

    monkeypatch.setattr(revisions, "move_on", busy)
    with pytest.raises(OperationalError):
        Debt.objects.filter(pk=debt.pk).update(principal=Decimal("1.00"))
    debt.principal = Decimal("2.00")
    with pytest.raises(OperationalError):
        debt.save()
    with pytest.raises(OperationalError):
        Debt.objects.bulk_create([Debt(case=case, creditor=debt.creditor, lender=debt.lender, principal=Decimal("3"))])
    assert list(Debt.objects.filter(case=case).values_list("principal", flat=True)) == [Decimal("12000.00")]
