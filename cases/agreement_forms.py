"""Forms of what comes after the lender answers: its offer, the agreement it confirmed, the payments, and how the
user wants to be reminded. Beside cases/forms.py, whose field types they use; the services decide the rest."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import agreement_terms, plans, validators
from .forms import AmountField, CaseForm, DateField, EvidenceFilesField, MonthsField, PercentField, _max_length
from .models import Agreement, CaseGoal, Offer, Payment

TEXTAREA = {"rows": 3}


def _rate_field(**kwargs) -> PercentField:
    return PercentField(
        cleaner=validators.clean_annual_rate,
        label=_("分期年利率（%，没有写 0）"),
        required=False,
        help_text=_("平台说“每月费率”时，乘以 12 就是年利率。"),
        **kwargs,
    )


class OfferForm(CaseForm):
    """What the lender offered, as heard on the phone or read in the app."""

    received_on = DateField(past=True, label=_("哪天给出的方案"), initial=timezone.localdate)
    kind = forms.ChoiceField(label=_("方案类型"), choices=CaseGoal.choices)
    total_to_repay = AmountField(
        label=_("应还总额（元）"), required=True, help_text=_("对方说减免之后一共要还多少，含首付。")
    )
    down_payment = AmountField(label=_("首付（元，没有可不填）"))
    months = MonthsField(label=_("分几期"))
    annual_rate_percent = _rate_field()
    fee = AmountField(label=_("手续费合计（元，没有可不填）"), help_text=_("随分期一起还的手续费。"))
    amount_waived = AmountField(label=_("减免了多少（元，可不填）"))
    first_due_date = DateField(label=_("首期还款日（知道的话）"), required=False)
    valid_until = DateField(label=_("方案有效期到哪天（可不填）"), required=False)
    note = forms.CharField(label=_("备注"), max_length=_max_length(Offer, "note"), required=False)

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["annual_rate"] = data.pop("annual_rate_percent") or 0
        return data

    @staticmethod
    def initial_from(offer: Offer | None) -> dict[str, Any]:
        return {} if offer is None else {"kind": offer.kind}


class AgreementForm(CaseForm):
    """The agreement as the lender confirmed it in writing. Before saving, what a written installment agreement must
    state is checked (agreement_terms): what is missing is listed, and saving without it needs the user's yes."""

    kind = forms.ChoiceField(label=_("协议类型"), choices=CaseGoal.choices)
    total_to_repay = AmountField(label=_("应还总额（元，含首付）"), required=True)
    down_payment = AmountField(label=_("首付（元，没有可不填）"))
    installment_count = MonthsField(label=_("分几期"))
    first_due_date = DateField(label=_("首期还款日"))
    annual_rate_percent = _rate_field()
    plan_fee = AmountField(
        label=_("分期期间的手续费合计（元）"),
        help_text=_("协议写明没有手续费就填 0；协议没写就留空。手续费随分期一起还。"),
    )
    amount_waived = AmountField(label=_("减免金额（元，可不填）"))
    stated_installment = AmountField(
        label=_("协议写的每期金额（元）"), help_text=_("用来核对：和按总额、期数、利率算出的金额对不上时会提醒您。")
    )
    balance_principal = AmountField(label=_("协议写的欠款本金（元）"))
    balance_interest = AmountField(label=_("其中利息（元）"))
    balance_penalty = AmountField(label=_("其中罚息（元）"))
    balance_fees = AmountField(label=_("其中费用（元）"))
    repayment_method = forms.CharField(
        label=_("还款方式"),
        max_length=_max_length(Agreement, "repayment_method"),
        required=False,
        help_text=_("例如“每月还款日自动扣款”“在 App 里主动还款”。"),
    )
    repayment_account = forms.CharField(
        label=_("还款账户"),
        max_length=_max_length(Agreement, "repayment_account"),
        required=False,
        validators=[validators.validate_account_label],
        help_text=_("例如“花呗账户”“信用卡尾号1234”。只还到平台或银行自己的账户，不要转到任何个人账户。"),
    )
    rights_and_duties = forms.CharField(
        label=_("双方的权利和义务"),
        widget=forms.Textarea(attrs=TEXTAREA),
        max_length=_max_length(Agreement, "rights_and_duties"),
        required=False,
    )
    breach_clause = forms.CharField(
        label=_("违约条款"),
        widget=forms.Textarea(attrs=TEXTAREA),
        max_length=_max_length(Agreement, "breach_clause"),
        required=False,
        help_text=_("例如“连续两期未还，协议失效，恢复计息”。"),
    )
    interest_resumes = forms.BooleanField(label=_("违约后恢复计息"), required=False, initial=True)
    signed_on = DateField(past=True, label=_("签署日期"), required=False)
    signed_copy_files = EvidenceFilesField(
        multiple=True,
        label=_("签字的协议或平台的书面确认（照片或 PDF）"),
        required=False,
        help_text=_("作为证据保存在案件材料里。"),
    )
    accept_missing = forms.BooleanField(label=_("我知道协议缺少上面这些内容，仍然保存"), required=False)

    def __init__(self, *args, has_signed_copy: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_signed_copy = has_signed_copy
        self.terms: list[agreement_terms.Term] = []
        self.missing: list[agreement_terms.Term] = []
        self.schedule: list[plans.ScheduleRow] = []

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors:
            return data
        try:
            self.schedule = plans.agreed_schedule(
                data["total_to_repay"],
                data["down_payment"] or Decimal(0),
                data["plan_fee"] or Decimal(0),
                data["annual_rate_percent"] or Decimal(0),
                data["installment_count"],
                data["first_due_date"],
            )
        except ValueError:
            return data  # the service says why, against its field
        self.terms = agreement_terms.check(
            balance_principal=data["balance_principal"],
            installment_count=data["installment_count"],
            first_due_date=data["first_due_date"],
            repayment_method=data["repayment_method"],
            repayment_account=data["repayment_account"],
            stated_installment=data["stated_installment"],
            scheduled_installment=self.schedule[0].payment,
            plan_fee=data["plan_fee"],
            rights_and_duties=data["rights_and_duties"],
            breach_clause=data["breach_clause"],
            signed_copy=self.has_signed_copy or bool(data["signed_copy_files"]),
        )
        self.missing = agreement_terms.unsatisfied(self.terms)
        if self.missing and not data["accept_missing"]:
            self.add_error(
                None, _("协议还缺少下面列出的内容。最好请对方补上再保存；确实拿不到，就勾选最下面的确认后保存。")
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("accept_missing")
        data["annual_rate"] = data.pop("annual_rate_percent") or 0
        return data

    @staticmethod
    def initial_from(offer: Offer | None) -> dict[str, Any]:
        """The agreement's form filled in from the offer the lender is now confirming."""
        if offer is None:
            return {"interest_resumes": True}
        return {
            "kind": offer.kind,
            "total_to_repay": offer.total_to_repay,
            "down_payment": offer.down_payment or "",
            "installment_count": offer.months,
            "first_due_date": offer.first_due_date,
            "annual_rate_percent": (offer.annual_rate * 100).normalize() if offer.annual_rate else "",
            "plan_fee": offer.fee,
            "amount_waived": offer.amount_waived or "",
            "interest_resumes": True,
        }


class PaymentForm(CaseForm):
    paid_on = DateField(past=True, label=_("还款日期"), initial=timezone.localdate)
    amount = AmountField(label=_("还了多少（元）"), required=True)
    receipt_files = EvidenceFilesField(
        multiple=True,
        label=_("还款凭证（截图或照片，可不传）"),
        required=False,
        help_text=_("平台或银行的还款成功页面、转账回单。作为证据保存在案件材料里。"),
    )
    note = forms.CharField(label=_("备注"), max_length=_max_length(Payment, "note"), required=False)


class SignedCopyForm(CaseForm):
    # The metaclass moves declared fields into base_fields, so `files` stays the form's uploads as well.
    files = EvidenceFilesField(multiple=True, label=_("签字的协议或平台的书面确认（照片或 PDF）"))  # type: ignore[assignment]


class ReminderPreferenceForm(CaseForm):
    # A choice rather than a checkbox: an empty form says nothing, it does not turn e-mail off.
    email = forms.ChoiceField(
        label=_("还款日前 3 天和 1 天、约定的跟进日"),
        choices=[("on", _("发电子邮件提醒我")), ("off", _("不发邮件"))],
        widget=forms.RadioSelect,
        help_text=_("不管是否发邮件，提醒都会显示在“我的进度”页面上。"),
    )
