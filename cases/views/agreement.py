"""One lender after it answered: its offers compared with its share, the agreement as confirmed (checked against
what a written agreement must state), the installments against the payments, and a missed one flagged."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import agreement_terms, plans, presenters, selectors, services
from ..agreement_forms import AgreementForm, OfferForm, PaymentForm, SignedCopyForm
from ..models import Agreement, Case, Creditor, Offer, Payment
from .common import case_for, creditor_for


def _lender_url(case: Case, creditor: Creditor) -> str:
    return reverse("cases:lender_agreement", args=[case.code, creditor.code])


def _agreement_for(creditor: Creditor) -> Agreement:
    """The lender's agreement, through the already-checked lender; 404 before one is entered."""
    agreement = selectors.creditor_agreement(creditor)
    if agreement is None:
        raise Http404
    return agreement


def lender_context(case: Case, creditor: Creditor) -> dict:
    """What the lender's page shows: its share, its offers with their fit, the agreement and how it stands."""
    today = timezone.localdate()
    share = selectors.creditor_share(case, creditor)
    agreement = selectors.creditor_agreement(creditor)
    progress = selectors.agreement_progress(agreement, today) if agreement is not None else None
    fit = None
    if progress is not None and share is not None and progress.rows:
        fit = plans.Fit(progress.largest_installment, share)
    return {
        "case": case,
        "creditor": creditor,
        "share": share,
        "offers": selectors.creditor_offers(creditor, share, today),
        "agreement": agreement,
        "progress": progress,
        "fit": fit,
        "today": today,
        "signed_copy_form": SignedCopyForm(),
    }


@login_required
@require_GET
def lender_agreement(request, code, creditor_code):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    return render(request, "cases/agreement/lender.html", lender_context(case, creditor))


@login_required
@require_http_methods(["GET", "POST"])
def offer_new(request, code, creditor_code):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    if request.method == "POST":
        form = OfferForm(request.POST)
        if form.is_valid():
            try:
                services.offer_create(creditor=creditor, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("已记下%(name)s给出的方案，下面是它和您能负担的金额的对比。") % {"name": creditor.name}
                )
                return redirect(_lender_url(case, creditor) + "#offers")
    else:
        form = OfferForm(initial={"kind": creditor.goal} if creditor.goal else None)
    context = {"case": case, "creditor": creditor, "form": form, "share": selectors.creditor_share(case, creditor)}
    return render(request, "cases/agreement/offer_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def offer_delete(request, code, creditor_code, offer_id):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    offer = get_object_or_404(Offer, creditor=creditor, pk=offer_id)
    if request.method == "POST":
        services.offer_delete(offer=offer)
        messages.success(request, _("这个方案已删除。"))
        return redirect(_lender_url(case, creditor) + "#offers")
    return render(request, "cases/agreement/offer_delete.html", {"case": case, "creditor": creditor, "offer": offer})


def _offer_from_query(request, creditor: Creditor) -> Offer | None:
    """The offer the agreement is entered from (?offer=<id>): one of this lender's, or none."""
    value = request.GET.get("offer", "")
    return creditor.offers.filter(pk=int(value)).first() if value.isdigit() else None


@login_required
@require_http_methods(["GET", "POST"])
def agreement_new(request, code, creditor_code):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    if selectors.creditor_agreement(creditor) is not None:
        messages.info(request, _("与%(name)s的协议已经录入过了。") % {"name": creditor.name})
        return redirect(_lender_url(case, creditor))
    if request.method == "POST":
        form = AgreementForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.agreement_create(case=case, creditor=creditor, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request, _("协议已保存，每一期的金额和日期已经排好。请按期还款，每还一笔就在这里记下来。")
                )
                return redirect(_lender_url(case, creditor))
    else:
        form = AgreementForm(initial=AgreementForm.initial_from(_offer_from_query(request, creditor)))
    context = {
        "case": case,
        "creditor": creditor,
        "form": form,
        "share": selectors.creditor_share(case, creditor),
        "cites_article_70": creditor.is_bank_card,
        "article_70": agreement_terms.ARTICLE_70,
        "checklist": form.terms or agreement_terms.blank(),
        "checked": bool(form.terms),
    }
    return render(request, "cases/agreement/agreement_form.html", context)


@login_required
@require_POST
def agreement_signed_copy(request, code, creditor_code):
    """The signed agreement, uploaded after the agreement was entered."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    agreement = _agreement_for(creditor)
    form = SignedCopyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.agreement_attach_signed_copy(agreement=agreement, files=form.cleaned_data["files"])
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("签字的协议已保存到案件材料里。"))
            return redirect(_lender_url(case, creditor))
    context = lender_context(case, creditor) | {"signed_copy_form": form}
    return render(request, "cases/agreement/lender.html", context, status=200)


def payment_message(progress: selectors.AgreementProgress, payment: Payment, creditor: Creditor) -> tuple[str, str]:
    """What the payment did, said in words: installments paid off, an overpayment carried to the next one, an
    underpayment still owed (and carried on once its date has passed). (level, text) for the messages framework."""
    carry = selectors.payment_carry(progress, payment)
    rows = {row.number: row for row in progress.rows}
    said = [_("已记录还款 %(amount)s。") % {"amount": plans.format_yuan(payment.amount)}]
    level = "success"
    if carry.paid_off:
        numbers = presenters.join_labels(carry.paid_off)
        said.append(_("第 %(numbers)s 期已还清。") % {"numbers": numbers})
    if carry.overpaid and carry.ended_on is not None:
        said.append(
            _("多出的 %(extra)s 已计入第 %(number)s 期，这一期还需 %(left)s。")
            % {
                "extra": plans.format_yuan(carry.ended_paid),
                "number": carry.ended_on,
                "left": plans.format_yuan(carry.ended_left),
            }
        )
    elif carry.underpaid and carry.ended_on is not None:
        row = rows[carry.ended_on]
        level = "warning"
        if row.state == plans.DueState.OVERDUE:
            upcoming = progress.next
            carried = (
                _("这笔差额计入下一期：第 %(number)s 期（%(due)s）合计应还 %(total)s。")
                % {
                    "number": upcoming.number,
                    "due": upcoming.due_date.isoformat(),
                    "total": plans.format_yuan(upcoming.to_pay),
                }
                if upcoming is not None
                else ""
            )
            said.append(
                _(
                    "第 %(number)s 期还差 %(left)s，已经过了到期日。%(carried)s"
                    "请今天就联系%(name)s说明情况，别等对方来催。"
                )
                % {
                    "number": row.number,
                    "left": plans.format_yuan(carry.ended_left),
                    "carried": carried,
                    "name": creditor.name,
                }
            )
        else:
            said.append(
                _(
                    "第 %(number)s 期还差 %(left)s：请在 %(due)s 之前补上；"
                    "过了这一天，差额会计入下一期，平台也可能按逾期处理。"
                )
                % {
                    "number": row.number,
                    "left": plans.format_yuan(carry.ended_left),
                    "due": row.due_date.isoformat(),
                }
            )
    if progress.settled:
        said.append(_("全部还清了！请向%(name)s要一份结清证明，和协议放在一起保存。") % {"name": creditor.name})
    return level, "".join(said)


@login_required
@require_http_methods(["GET", "POST"])
def payment_new(request, code, creditor_code):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    agreement = _agreement_for(creditor)
    progress = selectors.agreement_progress(agreement, timezone.localdate())
    if request.method == "POST":
        form = PaymentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                payment = services.payment_record(agreement=agreement, **form.cleaned_data)
            except ValidationError as error:
                form.add_service_error(error)
            else:
                after = selectors.agreement_progress(_agreement_for(creditor), timezone.localdate())
                level, text = payment_message(after, payment, creditor)
                getattr(messages, level)(request, text)
                return redirect(_lender_url(case, creditor) + "#installments")
    else:
        upcoming = progress.next or (progress.missed[0] if progress.missed else None)
        form = PaymentForm(initial={"amount": upcoming.to_pay if upcoming is not None else None})
    context = {"case": case, "creditor": creditor, "form": form, "progress": progress}
    return render(request, "cases/agreement/payment_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def payment_delete(request, code, creditor_code, payment_id):
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    payment = get_object_or_404(Payment, agreement=_agreement_for(creditor), pk=payment_id)
    if request.method == "POST":
        services.payment_delete(payment=payment)
        messages.success(request, _("这笔还款记录已删除，每一期的已还金额已重新计算。"))
        return redirect(_lender_url(case, creditor) + "#payments")
    context = {"case": case, "creditor": creditor, "payment": payment}
    return render(request, "cases/agreement/payment_delete.html", context)
