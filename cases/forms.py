"""Forms of the case wizard and the case pages. They parse what was typed and check it by the same rules as the
services (cases/validators.py), so a bad value gets the same message from either; the services decide the rest."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import plans, uploads, validators, workdays
from .models import (
    Case,
    CaseGoal,
    ContactChannel,
    ContactDirection,
    ContactLog,
    ContactOutcome,
    Debt,
    Evidence,
    EvidenceKind,
    EvidenceStatus,
    Hardship,
    HardshipReason,
    LenderKind,
)

DATE_INPUT = {"type": "date"}


def _max_length(model: type[models.Model], name: str) -> int:
    """The model field's own limit: a form refuses exactly what the database would."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.max_length is None:
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return field.max_length


class CleanedField(forms.CharField):
    """Text made into a value by one of the validators; blank is None unless the field is required."""

    def __init__(self, *, cleaner: Callable[[str], Any], **kwargs):
        self.cleaner = cleaner
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        return self.cleaner(value)


class AmountField(CleanedField):
    """A yuan amount typed as text ("12,000.50" is fine)."""

    def __init__(self, *, required: bool = False, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(cleaner=validators.clean_amount, required=required, **kwargs)


class MonthsField(CleanedField):
    """A number of monthly installments, 1 to plans.MAX_MONTHS."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 1, "max": plans.MAX_MONTHS}))
        super().__init__(cleaner=validators.clean_months, **kwargs)


class DependentsField(CleanedField):
    """How many people the debtor supports, 0 to validators.MAX_DEPENDENTS."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 0, "max": validators.MAX_DEPENDENTS}))
        super().__init__(cleaner=validators.clean_dependents, **kwargs)


class DateField(forms.DateField):
    """A date picked or typed; `past=True` refuses dates still to come, as the services do."""

    def __init__(self, *, past: bool = False, **kwargs):
        kwargs.setdefault("widget", forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"))
        kwargs.setdefault("error_messages", {"invalid": _("请输入真实存在的日期，例如 2026-03-15。")})
        super().__init__(**kwargs)
        self.past = past

    def clean(self, value):
        value = super().clean(value)
        return validators.clean_past_date(value) if self.past else value


class PercentField(forms.CharField):
    """A rate typed as a percentage (0.05 means 0.05 %), returned as a Decimal fraction for plans.py and checked by
    `cleaner` (validators.clean_daily_rate, say)."""

    def __init__(self, *, cleaner: Callable[[Decimal], Decimal], **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)
        self.cleaner = cleaner

    def clean(self, value):
        value = super().clean(value)
        if value in (None, ""):
            return None
        try:
            percent = Decimal(str(value).strip().rstrip("%").strip())
        except InvalidOperation:
            raise ValidationError(_("请输入数字，例如 0.05。"), code="invalid") from None
        if not percent.is_finite():
            raise ValidationError(_("请输入数字，例如 0.05。"), code="invalid")
        return self.cleaner(percent / 100)


class CaseForm(forms.Form):
    """A form of the case pages: maps a service's ValidationError onto the fields, so each message appears next to
    its field."""

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            self.add_error(None, error.messages)


class SituationForm(CaseForm):
    title = forms.CharField(
        label=_("给这个案件起个名字"),
        max_length=_max_length(Case, "title"),
        initial=_("我的逾期协商"),
        help_text=_("只有您自己能看到，例如“花呗和信用卡协商”。"),
    )
    overdue_products = forms.MultipleChoiceField(
        label=_("哪些产品逾期了？"),
        choices=LenderKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个逾期的产品。")},
    )
    overdue_since = DateField(
        past=True,
        label=_("最早是哪一天开始没按时还款的？"),
        help_text=_("记不清可以填大概日期，例如那个月的还款日。我们据此算出逾期天数。"),
        error_messages={
            "required": _("请填写开始逾期的日期。"),
            "invalid": _("请输入真实存在的日期，例如 2026-03-15。"),
        },
    )


class DebtForm(CaseForm):
    lender = forms.ChoiceField(label=_("平台类型"), choices=LenderKind.choices)
    lender_name = forms.CharField(
        label=_("平台或银行名称"),
        max_length=_max_length(Debt, "lender_name"),
        required=False,
        help_text=_("例如“招商银行”。花呗、借呗可不填。"),
    )
    account_label = forms.CharField(
        label=_("账户标识（可不填）"),
        max_length=_max_length(Debt, "account_label"),
        required=False,
        validators=[validators.validate_account_label],
        help_text=_("最多填卡号末四位，例如“尾号1234”。不要填完整卡号。"),
    )
    principal = AmountField(label=_("本金（元）"), required=True, help_text=_("借款或消费本身的金额，不含利息罚息。"))
    interest = AmountField(label=_("利息（元）"))
    penalty_interest = AmountField(label=_("罚息（元）"), help_text=_("逾期后额外收的利息，账单上常写作“逾期利息”。"))
    fees = AmountField(label=_("手续费及其他费用（元）"))
    daily_rate_percent = PercentField(
        cleaner=validators.clean_daily_rate,
        label=_("日利率（%）"),
        required=False,
        initial="0.05",
        help_text=_("花呗、借呗一般是 0.05%/天，罚息再上浮 50%。以账单为准。"),
    )
    overdue_since = DateField(past=True, label=_("这笔从哪天开始逾期"), required=False)

    @staticmethod
    def initial_for(debt) -> dict:
        """A saved debt as the form shows it: the daily rate back as a percentage."""
        return {
            "lender": debt.lender,
            "lender_name": debt.lender_name,
            "account_label": debt.account_label,
            "principal": debt.principal,
            "interest": debt.interest,
            "penalty_interest": debt.penalty_interest,
            "fees": debt.fees,
            "daily_rate_percent": (debt.daily_rate * 100).normalize(),
            "overdue_since": debt.overdue_since,
        }

    def service_fields(self) -> dict:
        """The arguments of services.debt_create and debt_update; a blank amount is 0 there."""
        data = dict(self.cleaned_data)
        rate = data.pop("daily_rate_percent")
        data["daily_rate"] = rate if rate is not None else plans.HUABEI_DAILY_RATE
        return data


class BudgetForm(CaseForm):
    monthly_income = AmountField(
        label=_("现在每月实际收入（元）"),
        required=True,
        help_text=_("工资、兼职、补贴等到手的钱。没有收入就填 0。"),
    )
    income_before = AmountField(
        label=_("出现困难之前，每月收入是多少（元，可不填）"),
        help_text=_("说明信会写出困难前后的收入，让平台看到收入少了多少。"),
    )
    household_expenses = AmountField(
        label=_("家庭每月必要支出（元）"),
        required=True,
        help_text=_("房租、吃饭、交通、水电、孩子上学、看病等，不含还债。"),
    )
    dependents = DependentsField(label=_("需要您抚养或赡养的人数"), initial=0)
    other_fixed_payments = AmountField(
        label=_("其他固定月还款（元）"), help_text=_("房贷、车贷等不在这次协商里的固定还款。")
    )


class HardshipForm(CaseForm):
    reasons = forms.MultipleChoiceField(
        label=_("是什么让您还不上了？（可多选）"),
        choices=HardshipReason.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个原因。")},
    )
    since = DateField(past=True, label=_("困难从什么时候开始？"), required=False)
    narrative = forms.CharField(
        label=_("用自己的话说说发生了什么"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=_max_length(Hardship, "narrative"),
        required=False,
        help_text=_(
            "好的说明包括：发生了什么、从什么时候开始、收入少了多少、现在每月能拿出多少钱还款、"
            "以前一直按时还款。写事实，不用写得很长，也不要夸大。"
        ),
    )


class ExtraEvidenceForm(CaseForm):
    kind = forms.ChoiceField(
        label=_("再加一项材料（可不填）"), choices=[("", "—"), *EvidenceKind.choices], required=False
    )
    title = forms.CharField(label=_("材料名称"), max_length=_max_length(Evidence, "title"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFilesField(forms.FileField):
    """One or several files; what they are is decided from their content by the upload check, not here.

    `recordings`: the file picker offers call recordings too (where they may go: Evidence.accepts_recordings)."""

    def __init__(self, *, multiple: bool, recordings: bool = False, **kwargs):
        attrs = {"accept": uploads.RECORDING_ACCEPT_ATTRIBUTE if recordings else uploads.ACCEPT_ATTRIBUTE}
        widget = MultipleFileInput(attrs=attrs) if multiple else forms.ClearableFileInput(attrs=attrs)
        kwargs.setdefault("error_messages", {"required": _("请选择要上传的文件。")})
        super().__init__(widget=widget, max_length=None, allow_empty_file=True, **kwargs)
        self.multiple = multiple

    def clean(self, data, initial=None):
        if not self.multiple:
            return super().clean(data, initial)
        files = [item for item in (data or []) if item]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


FILE_HELP = _("PDF 或照片（JPG、PNG、WebP、HEIC），每个文件不超过 15 MB，整个案件不超过 100 MB。可以一次选多张。")
REPLACE_HELP = _("PDF 或照片（JPG、PNG、WebP、HEIC），不超过 15 MB。")
RECORDING_FILE_HELP = _(
    "通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）每个不超过 20 MB，原样保存；截图、照片或 PDF 每个不超过 15 MB。"
    "整个案件不超过 100 MB。"
)
RECORDING_REPLACE_HELP = _("通话录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus）不超过 20 MB；截图、照片或 PDF 不超过 15 MB。")


class EvidenceUploadForm(CaseForm):
    # The metaclass moves declared fields into base_fields, so `files` stays the form's uploads as well.
    files = EvidenceFilesField(label=_("选择文件或拍照"), multiple=True, help_text=FILE_HELP)  # type: ignore[assignment]
    # One form serves every item of a list: the upload template offers recordings where the item takes them.
    recording_accept = uploads.RECORDING_ACCEPT_ATTRIBUTE
    recording_help = RECORDING_FILE_HELP


class EvidenceReplaceForm(CaseForm):
    files = EvidenceFilesField(label=_("新文件"), multiple=False, help_text=REPLACE_HELP)  # type: ignore[assignment]

    def __init__(self, *args, recordings: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if recordings:
            self.fields["files"].widget.attrs["accept"] = uploads.RECORDING_ACCEPT_ATTRIBUTE
            self.fields["files"].help_text = RECORDING_REPLACE_HELP


class EvidenceStatusForm(CaseForm):
    """Only the moves the item's current status allows; "missing" comes back by itself when its files are deleted."""

    status = forms.ChoiceField(label=_("新的状态"), error_messages={"required": _("请选择新的状态。")})
    on = DateField(past=True, label=_("日期"), required=False, help_text=_("留空为今天。"))
    note = forms.CharField(
        label=_("备注（可不填）"),
        max_length=_max_length(Evidence, "note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("例如：客服说需要加盖公章的版本。会记在这一步的记录里。"),
    )

    # Forward first; going back to "uploaded" (it was not really sent) comes last.
    ORDER = (EvidenceStatus.SENT, EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED, EvidenceStatus.UPLOADED)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        # "missing" and the first "uploaded" follow from the files themselves: with no file there is nothing to record.
        item = Evidence(status=current)  # unsaved: only asked which moves its status allows
        labels = dict(EvidenceStatus.choices)
        moves = (
            []
            if current == EvidenceStatus.MISSING
            else [(value, labels[value]) for value in self.ORDER if item.can_move_to(value)]
        )
        status = self.fields["status"]
        if not isinstance(status, forms.ChoiceField):
            raise TypeError("status must stay a ChoiceField")
        status.choices = [("", _("请选择")), *moves] if moves else []


class CreditorForm(CaseForm):
    """Who a lender's documents are addressed to and how it is reached."""

    legal_name = forms.CharField(
        label=_("借款合同或账单上的机构全称"),
        max_length=100,
        required=False,
        help_text=_(
            "申请书和说明信寄给这个机构。花呗、借呗一般是重庆蚂蚁消费金融有限公司，但借呗也可能是合作银行放款："
            "请在支付宝里打开借款合同核对。信用卡一般是发卡银行的信用卡中心。"
        ),
    )
    contact = forms.CharField(label=_("怎么联系"), max_length=200, required=False)
    account_phone = forms.CharField(
        label=_("账户绑定的手机号（可不填）"),
        max_length=20,
        required=False,
        help_text=_("花呗、借呗填支付宝绑定的手机号，平台据此查到您的账户。"),
    )


class LenderPlanForm(CaseForm):
    """The plan asked of one lender; the plan page shows one per lender, each prefixed with the lender's code."""

    goal = forms.ChoiceField(
        label=_("向这家申请哪种方案？"),
        choices=CaseGoal.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请为这家选择一种方案。")},
    )
    requested_months = MonthsField(
        label=_("分多少期（月）"),
        required=False,
        help_text=_(
            "留空则按分给这家的金额算出最少期数。最多 60 期（5 年）：银行信用卡的个性化分期，"
            "《商业银行信用卡业务监督管理办法》第七十条规定最长 5 年，这里的方案也都以此为限。"
        ),
    )
    down_payment = AmountField(label=_("首付（元，可不填）"), help_text=_("签协议时能先还的一笔钱，能提高通过率。"))
    installment_rate_percent = PercentField(
        cleaner=validators.clean_annual_rate,
        label=_("平台报的分期年利率（%，可不填）"),
        required=False,
        help_text=_("协商分期默认按 0% 申请；平台报了利率再填，例如 6。"),
    )
    installment_fee = AmountField(label=_("平台报的分期手续费（元，可不填）"))
    deferral_months = MonthsField(
        label=_("延期几个月"),
        required=False,
        help_text=_("默认 1 个月，最多 %(max)s 个月。") % {"max": plans.MAX_GRACE_MONTHS},
    )
    deferral_waives_interest = forms.BooleanField(
        label=_("平台同意延期期间不计利息"), required=False, help_text=_("平台没有明确答应就不要勾选。")
    )
    goal_note = forms.CharField(label=_("其他诉求（可不填）"), max_length=200, required=False)

    @staticmethod
    def initial_for(creditor) -> dict:
        """A lender's saved plan as the form shows it: the rate back as a percentage."""
        return {
            "goal": creditor.goal,
            "requested_months": creditor.requested_months,
            "down_payment": creditor.down_payment or None,
            "installment_rate_percent": (creditor.installment_annual_rate * 100).normalize() or None,
            "installment_fee": creditor.installment_fee or None,
            "deferral_months": creditor.deferral_months,
            "deferral_waives_interest": creditor.deferral_waives_interest,
            "goal_note": creditor.goal_note,
        }

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "goal": data.get("goal") or "",
            "goal_note": data.get("goal_note") or "",
            "requested_months": data.get("requested_months"),
            "down_payment": data.get("down_payment") or Decimal("0"),
            "installment_annual_rate": data.get("installment_rate_percent") or Decimal("0"),
            "installment_fee": data.get("installment_fee") or Decimal("0"),
            "deferral_months": data.get("deferral_months") or 1,
            "deferral_waives_interest": bool(data.get("deferral_waives_interest")),
        }


class ShareForm(CaseForm):
    """What stays with the debtor each month, and the amounts moved between lenders by hand."""

    safety_margin = AmountField(
        label=_("每月留作应急的钱（元）"),
        help_text=_("默认是每月结余的 15%，至少 100 元。留空就用默认值。"),
    )

    def __init__(self, *args, creditors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.creditors = list(creditors)
        for creditor in self.creditors:
            self.fields[self.share_field(creditor)] = AmountField(
                label=_("每月分给%(name)s（元）") % {"name": creditor.name},
                help_text=_("留空就按欠款比例分。"),
            )

    @staticmethod
    def share_field(creditor) -> str:
        return f"share_{creditor.code.hex}"


class ContactForm(CaseForm):
    debtor_name = forms.CharField(label=_("您的姓名"), max_length=_max_length(Case, "debtor_name"))
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=_max_length(Case, "id_number"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("加密保存，文书和页面上只显示打码后的号码。"),
    )
    contact_phone = forms.CharField(label=_("联系电话"), max_length=_max_length(Case, "contact_phone"))

    def __init__(self, *args, saved_id_number: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if saved_id_number:
            self.fields["id_number"].help_text = _("已保存：%(masked)s。留空表示不修改。") % {"masked": saved_id_number}
        else:
            self.fields["id_number"].required = True
            self.fields["id_number"].error_messages["required"] = _("请填写身份证号，申请书需要。")

    def clean_id_number(self) -> str:
        number = self.cleaned_data["id_number"]
        return validators.clean_id_number(number) if number else number


# The channel a contact most likely went through, by kind of lender: one tap fewer on the phone.
LIKELY_CHANNEL = {
    LenderKind.HUABEI: ContactChannel.PHONE_95188,
    LenderKind.JIEBEI: ContactChannel.PHONE_95188,
    LenderKind.CREDIT_CARD: ContactChannel.BANK_HOTLINE,
}
FOLLOW_UP_NONE, FOLLOW_UP_ON_DATE = "", "date"


def _short_day(day: date) -> str:
    return f"{formats.date_format(day, 'MONTH_DAY_FORMAT')} {formats.date_format(day, 'D')}"


class ContactLogForm(CaseForm):
    """One contact with a lender, typed on a phone during or right after the call. The next follow-up is picked
    from 3 or 7 working days after the contact, or a date of one's own; an application submitted with none picked
    gets the first of them."""

    channel = forms.ChoiceField(
        label=_("怎么联系的"),
        choices=ContactChannel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择沟通渠道。")},
    )
    occurred_at = forms.DateTimeField(
        label=_("时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"required": _("请填写沟通时间。"), "invalid": _("请输入真实的日期和时间。")},
    )
    direction = forms.ChoiceField(
        label=_("谁联系谁"),
        choices=ContactDirection.choices,
        widget=forms.RadioSelect,
        initial=ContactDirection.OUTGOING,
        help_text=_("选了“平台或银行打给我”或“催收来电”，会自动记为对方联系我。"),
    )
    agent_name = forms.CharField(
        label=_("客服姓名（可不填）"), max_length=_max_length(ContactLog, "agent_name"), required=False
    )
    agent_id = forms.CharField(
        label=_("工号（可不填）"), max_length=_max_length(ContactLog, "agent_id"), required=False
    )
    summary = forms.CharField(
        label=_("说了什么"),
        max_length=_max_length(ContactLog, "summary"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请简单记下这次沟通说了什么。")},
        help_text=_("例如：说明了失业的情况，申请停息挂账分 36 期；客服说要先提交收入证明。"),
    )
    offer = forms.CharField(
        label=_("对方提出的方案（可不填）"),
        max_length=_max_length(ContactLog, "offer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("照原话记：金额、期数、利率或手续费、有效期到哪天。"),
    )
    outcome = forms.ChoiceField(label=_("结果"), choices=ContactOutcome.choices, initial=ContactOutcome.NO_RESULT)
    follow_up = forms.ChoiceField(label=_("下次什么时候跟进"), widget=forms.RadioSelect, required=False)
    follow_up_on = DateField(label=_("自选日期"), required=False)
    files = EvidenceFilesField(  # type: ignore[assignment]
        label=_("通话录音或截图（可不填）"),
        multiple=True,
        recordings=True,
        required=False,
        help_text=_(
            "这次通话的录音（MP3、M4A、AMR、WAV、AAC、OGG/Opus，每个不超过 20 MB，原样保存），"
            "或短信、App 聊天记录的截图和导出的 PDF（每个不超过 15 MB），保存在案件的“通话录音或短信截图”材料里。"
        ),
    )

    def __init__(self, *args, base_day: date, creditors=None, **kwargs):
        """`base_day`: the day the suggestions count from (today for a new contact, the contact's day for one
        already written down); `creditors`: the case's lenders, when the contact may be moved to another."""
        super().__init__(*args, **kwargs)
        self.base_day = base_day
        self.suggestions = workdays.follow_ups(base_day)
        self.follow_up_suggested = False
        choices: list[tuple[str, str]] = [(FOLLOW_UP_NONE, str(_("暂不定")))]
        for suggestion in self.suggestions:
            label = ngettext(
                "%(count)s 个工作日后：%(day)s", "%(count)s 个工作日后：%(day)s", suggestion.working_days
            ) % {"count": suggestion.working_days, "day": _short_day(suggestion.on)}
            if suggestion.weekends_only:
                label += str(_("（只跳过了周末）"))
            choices.append((str(suggestion.working_days), label))
        choices.append((FOLLOW_UP_ON_DATE, str(_("自己选日期"))))
        self.fields["follow_up"].choices = choices  # type: ignore[attr-defined]
        unknown = sorted({year for s in self.suggestions for year in s.unknown_years})
        self.unknown_years = unknown
        self.creditors = list(creditors or [])
        if self.creditors:
            self.fields = {
                "creditor": forms.ChoiceField(
                    label=_("和哪家"),
                    choices=[(creditor.code.hex, creditor.name) for creditor in self.creditors],
                    error_messages={"required": _("请选择这次是和哪家平台或银行沟通的。")},
                ),
                **self.fields,
            }

    @staticmethod
    def initial_for_lender(creditor) -> dict:
        """A new contact: now, with this lender, through the channel its kind is usually reached by."""
        now = timezone.localtime().replace(second=0, microsecond=0)
        channel = LIKELY_CHANNEL.get(creditor.kind, ContactChannel.APP_CHAT)
        return {"occurred_at": now, "channel": channel, "direction": ContactDirection.OUTGOING}

    @staticmethod
    def initial_for(entry) -> dict:
        """A contact already written down, as the form shows it."""
        return {
            "creditor": entry.creditor.code.hex if entry.creditor else None,
            "occurred_at": timezone.localtime(entry.occurred_at).replace(second=0, microsecond=0),
            "channel": entry.channel,
            "direction": entry.direction,
            "agent_name": entry.agent_name,
            "agent_id": entry.agent_id,
            "summary": entry.summary,
            "offer": entry.offer,
            "outcome": entry.outcome,
            "follow_up": FOLLOW_UP_ON_DATE if entry.next_follow_up else FOLLOW_UP_NONE,
            "follow_up_on": entry.next_follow_up,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        occurred = data.get("occurred_at")
        day = timezone.localtime(occurred).date() if occurred else self.base_day
        choice = data.get("follow_up") or FOLLOW_UP_NONE
        next_follow_up = None
        if choice == FOLLOW_UP_ON_DATE:
            next_follow_up = data.get("follow_up_on")
            if next_follow_up is None and "follow_up_on" not in self.errors:
                self.add_error("follow_up_on", _("请选一个跟进日期，或者选“暂不定”。"))
        elif choice != FOLLOW_UP_NONE:
            next_follow_up = workdays.add_working_days(day, int(choice))
        elif data.get("outcome") == ContactOutcome.SUBMITTED:
            # Lenders review in 3 to 7 working days: ask after the first 3.
            next_follow_up = workdays.add_working_days(day, workdays.FOLLOW_UP_SPANS[0])
            self.follow_up_suggested = True
        data["next_follow_up"] = next_follow_up
        return data

    def add_service_error(self, error: ValidationError) -> None:
        # The service names the date it was given; here it was typed in (or worked out from) the follow-up fields.
        if hasattr(error, "error_dict") and "next_follow_up" in error.error_dict:
            fields = {"next_follow_up": "follow_up_on"}
            error = ValidationError({fields.get(name, name): errors for name, errors in error.error_dict.items()})
        super().add_service_error(error)

    def creditor_chosen(self):
        code = self.cleaned_data.get("creditor")
        return next((creditor for creditor in self.creditors if creditor.code.hex == code), None)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data.get(name)
            for name in ("occurred_at", "channel", "direction", "agent_name", "agent_id", "summary", "offer", "outcome")
        }
        fields["next_follow_up"] = data.get("next_follow_up")
        fields["files"] = data.get("files") or []
        if self.creditors:
            fields["creditor"] = self.creditor_chosen()
        return fields
