"""A negotiation case and everything it holds: debts, hardship, evidence, calls, the agreement and its payments."""

import uuid
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from . import audio, plans
from .revisions import CaseContent, new_revision

# The rules live in validators; MAX_AMOUNT stays importable here, and migration 0001 names the label validator here.
from .validators import MAX_AMOUNT as MAX_AMOUNT
from .validators import MAX_ANNUAL_RATE, MAX_DAILY_RATE, MAX_DEPENDENTS, validate_account_label


class CaseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        # Any change to a case's row draws a new revision (cases/revisions.py), unless the update sets it itself.
        kwargs.setdefault("revision", new_revision())
        return super().update(**kwargs)


# Typed so that a field's keyword arguments are checked when it is spread into a DecimalField.
class MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: MoneyDigits = {"max_digits": 12, "decimal_places": 2}


class CaseStatus(models.TextChoices):
    PREPARING = "preparing", _("准备中")
    CONTACTED = "contacted", _("已联系")
    SUBMITTED = "submitted", _("已提交申请")
    UNDER_REVIEW = "under_review", _("审核中")
    AGREED = "agreed", _("已达成协议")
    REFUSED = "refused", _("协商失败")
    REPAYING = "repaying", _("履约中")
    SETTLED = "settled", _("已结清")


# Which status may follow which. A refusal is not the end: people try again with more proof or another channel,
# and a plan voided by a missed payment sends the case back to negotiating.
CASE_TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.PREPARING: frozenset({CaseStatus.CONTACTED, CaseStatus.SUBMITTED}),
    CaseStatus.CONTACTED: frozenset(
        {CaseStatus.SUBMITTED, CaseStatus.UNDER_REVIEW, CaseStatus.AGREED, CaseStatus.REFUSED}
    ),
    CaseStatus.SUBMITTED: frozenset(
        {CaseStatus.CONTACTED, CaseStatus.UNDER_REVIEW, CaseStatus.AGREED, CaseStatus.REFUSED}
    ),
    CaseStatus.UNDER_REVIEW: frozenset({CaseStatus.SUBMITTED, CaseStatus.AGREED, CaseStatus.REFUSED}),
    CaseStatus.AGREED: frozenset({CaseStatus.REPAYING, CaseStatus.CONTACTED}),
    CaseStatus.REFUSED: frozenset({CaseStatus.CONTACTED, CaseStatus.SUBMITTED}),
    CaseStatus.REPAYING: frozenset({CaseStatus.SETTLED, CaseStatus.CONTACTED}),
    # Only back to repaying: a payment recorded by mistake and removed leaves something owed after all.
    CaseStatus.SETTLED: frozenset({CaseStatus.REPAYING}),
}


class CaseGoal(models.TextChoices):
    PRINCIPAL_ONLY = plans.ScenarioKind.PRINCIPAL_ONLY.value, _("只还本金")
    INTEREST_FROZEN = plans.ScenarioKind.INTEREST_FROZEN.value, _("停息挂账")
    INSTALLMENTS = plans.ScenarioKind.INSTALLMENTS.value, _("协商分期")
    DEFERRAL = plans.ScenarioKind.DEFERRAL.value, _("延期还款")
    OTHER = "other", _("其他")


class Case(models.Model):
    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="cases"
    )
    title = models.CharField(_("案件名称"), max_length=100)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.PREPARING)
    overdue_products = models.JSONField(_("逾期的产品"), default=list, blank=True)
    overdue_since = models.DateField(_("最早逾期日"), null=True, blank=True)
    first_due_date = models.DateField(_("首期还款日"), null=True, blank=True)
    debtor_name = models.CharField(_("姓名"), max_length=50, blank=True)
    id_number = EncryptedCharField(_("身份证号"), max_length=18, blank=True, null=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    wizard_step = models.CharField(_("填写到的步骤"), max_length=30, blank=True, editable=False)
    last_proposal_version = models.PositiveIntegerField(_("申请书最新版本号"), default=0, editable=False)
    last_letter_version = models.PositiveIntegerField(_("说明信最新版本号"), default=0, editable=False)
    # The last change to anything the documents print (debts, budget, hardship, plan, contact, evidence): a version
    # made before it is out of date.
    documents_changed_at = models.DateTimeField(_("文书内容更新时间"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Drawn anew with every change to the case or anything it holds (cases/revisions.py); never written from an
    # instance.
    revision = models.PositiveBigIntegerField(_("修订号"), default=0, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("协商案件")
        verbose_name_plural = _("协商案件")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="case_owner_recent"),
            models.Index(fields=["status"], name="case_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=CaseStatus.values), name="case_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        # The revision is never written from the instance: one loaded before a change elsewhere would put back an
        # older number, and a page made after that change would pass for current.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields if not field.primary_key and field.name != "revision"
            ]
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def can_move_to(self, status: str) -> bool:
        return status in CASE_TRANSITIONS[self.status]


def mask_id_number(value: str) -> str:
    """Keep the first six and last four characters of an ID number, as Chinese forms usually show it."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


class LenderKind(models.TextChoices):
    HUABEI = "huabei", _("蚂蚁花呗")
    JIEBEI = "jiebei", _("蚂蚁借呗")
    CREDIT_CARD = "credit_card", _("银行信用卡")
    ONLINE_LENDER = "online_lender", _("其他网贷平台")
    OTHER = "other", _("其他")


# Who has to agree, by kind of product: the legal entity its bills and contracts usually name, and how to reach it.
# The user checks and may change both: 借呗 in particular may be lent by a partner bank named in the contract.
ANT_CONSUMER_FINANCE = "重庆蚂蚁消费金融有限公司"
LENDER_LEGAL_NAMES: dict[str, str] = {
    LenderKind.HUABEI: ANT_CONSUMER_FINANCE,
    LenderKind.JIEBEI: ANT_CONSUMER_FINANCE,
}
LENDER_CONTACTS: dict[str, str | Promise] = {
    LenderKind.HUABEI: _("支付宝 App：我的 → 花呗 → 账单 → 逾期账单 → 客服；电话 95188"),
    LenderKind.JIEBEI: _("支付宝 App：我的 → 借呗 → 客服；电话 95188"),
    LenderKind.CREDIT_CARD: _("信用卡背面或账单上的客服电话"),
    LenderKind.ONLINE_LENDER: _("平台 App 的在线客服或客服电话"),
    LenderKind.OTHER: "",
}


class Creditor(CaseContent):
    """A lender that has to agree: one negotiation, one proposal, one share of the budget, one plan."""

    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="creditors")
    kind = models.CharField(_("类型"), max_length=20, choices=LenderKind.choices)
    name = models.CharField(_("平台或银行"), max_length=60, help_text=_("您平时怎么称呼它，例如“蚂蚁花呗”“招商银行”。"))
    legal_name = models.CharField(
        _("合同上的机构全称"),
        max_length=100,
        blank=True,
        help_text=_("申请书寄给这个机构。以借款合同或账单上写的为准。"),
    )
    contact = models.CharField(_("联系方式"), max_length=200, blank=True)
    account_phone = models.CharField(
        _("账户绑定的手机号"),
        max_length=20,
        blank=True,
        help_text=_("花呗、借呗填支付宝绑定的手机号，方便平台查到账户。"),
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    # The plan asked of this lender.
    goal = models.CharField(_("协商目标"), max_length=20, choices=CaseGoal.choices, blank=True)
    goal_note = models.CharField(_("目标说明"), max_length=200, blank=True)
    requested_months = models.PositiveSmallIntegerField(
        _("申请期数"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(plans.MAX_MONTHS)]
    )
    down_payment = models.DecimalField(_("首付金额"), default=Decimal("0.00"), **MONEY)
    # None: the fair share worked out from the budget; an amount: what the user moved here by hand.
    monthly_share = models.DecimalField(_("每月分给这家的金额"), null=True, blank=True, **MONEY)
    # What the lender quoted for 协商分期 (0 % unless it said otherwise) and for 延期.
    installment_annual_rate = models.DecimalField(
        _("分期年利率"), max_digits=7, decimal_places=6, default=Decimal("0"), help_text=_("小数形式，0.06 即 6%/年。")
    )
    installment_fee = models.DecimalField(_("分期手续费"), default=Decimal("0.00"), **MONEY)
    deferral_months = models.PositiveSmallIntegerField(
        _("延期月数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(plans.MAX_GRACE_MONTHS)]
    )
    deferral_waives_interest = models.BooleanField(_("延期期间免息"), default=False)
    # Where the negotiation with this lender stands; the case's own status follows its lenders'.
    status = models.CharField(_("协商进度"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.PREPARING)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("平台或银行")
        verbose_name_plural = _("平台或银行")
        ordering = ["case", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "name"], name="creditor_unique_per_case"),
            models.CheckConstraint(condition=models.Q(kind__in=LenderKind.values), name="creditor_kind_valid"),
            models.CheckConstraint(condition=models.Q(goal__in=["", *CaseGoal.values]), name="creditor_goal_valid"),
            models.CheckConstraint(
                condition=models.Q(down_payment__gte=0, installment_fee__gte=0)
                & (models.Q(monthly_share__isnull=True) | models.Q(monthly_share__gte=0)),
                name="creditor_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(installment_annual_rate__range=(0, MAX_ANNUAL_RATE)),
                name="creditor_installment_rate_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(deferral_months__range=(1, plans.MAX_GRACE_MONTHS)),
                name="creditor_deferral_months_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(requested_months__isnull=True)
                | models.Q(requested_months__range=(1, plans.MAX_MONTHS)),
                name="creditor_requested_months_in_range",
            ),
            models.CheckConstraint(condition=models.Q(status__in=CaseStatus.values), name="creditor_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    def can_move_to(self, status: str) -> bool:
        return status in CASE_TRANSITIONS[self.status]

    @property
    def is_bank_card(self) -> bool:
        """Article 70's personalised instalments apply to a bank's credit card only, never to 花呗/借呗."""
        return self.kind == LenderKind.CREDIT_CARD

    @property
    def addressee(self) -> str:
        return self.legal_name or self.name


class Debt(CaseContent):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="debts")
    # RESTRICT: a lender goes only with its last debt (the services see to it) or with its case.
    creditor = models.ForeignKey(
        Creditor, verbose_name=_("平台或银行"), on_delete=models.RESTRICT, related_name="debts"
    )
    lender = models.CharField(_("平台类型"), max_length=20, choices=LenderKind.choices, default=LenderKind.HUABEI)
    lender_name = models.CharField(_("平台或银行名称"), max_length=60, blank=True)
    account_label = models.CharField(
        _("账户标识"),
        max_length=20,
        blank=True,
        validators=[validate_account_label],
        help_text=_("例如“尾号1234”。不要填完整卡号。"),
    )
    principal = models.DecimalField(_("本金"), default=Decimal("0.00"), **MONEY)
    interest = models.DecimalField(_("利息"), default=Decimal("0.00"), **MONEY)
    penalty_interest = models.DecimalField(_("罚息"), default=Decimal("0.00"), **MONEY)
    fees = models.DecimalField(_("手续费及其他费用"), default=Decimal("0.00"), **MONEY)
    overdue_since = models.DateField(_("逾期开始日"), null=True, blank=True)
    daily_rate = models.DecimalField(
        _("日利率"),
        max_digits=8,
        decimal_places=6,
        default=plans.HUABEI_DAILY_RATE,
        help_text=_("小数形式，0.0005 即 0.05%/天。"),
    )
    minimum_payment = models.DecimalField(_("最低还款额"), null=True, blank=True, **MONEY)
    last_statement_date = models.DateField(_("最近账单日"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    # When the figures were last entered: the documents date the amounts by this, not by the day they are printed.
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("欠款")
        verbose_name_plural = _("欠款")
        ordering = ["case", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal__gte=0, interest__gte=0, penalty_interest__gte=0, fees__gte=0)
                & (models.Q(minimum_payment__isnull=True) | models.Q(minimum_payment__gte=0)),
                name="debt_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(daily_rate__range=(0, MAX_DAILY_RATE)), name="debt_daily_rate_in_range"
            ),
            models.CheckConstraint(condition=models.Q(lender__in=LenderKind.values), name="debt_lender_valid"),
        ]

    def __str__(self) -> str:
        name = self.lender_name or self.get_lender_display()
        return f"{name} {self.account_label}".strip()

    @property
    def balance(self) -> Decimal:
        return self.figures().balance

    def figures(self) -> plans.DebtFigures:
        return plans.DebtFigures(
            principal=self.principal,
            interest=self.interest,
            penalty=self.penalty_interest,
            fees=self.fees,
            daily_rate=self.daily_rate,
        )


class HardshipReason(models.TextChoices):
    UNEMPLOYMENT = "unemployment", _("失业")
    ILLNESS = "illness", _("疾病或伤残")
    INCOME_DROP = "income_drop", _("收入下降")
    FAMILY_CRISIS = "family_crisis", _("家庭变故")
    DISASTER = "disaster", _("灾害或疫情")
    OTHER = "other", _("其他")


class Hardship(CaseContent):
    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="hardship")
    reasons = models.JSONField(_("困难原因"), default=list, blank=True)
    since = models.DateField(_("困难开始时间"), null=True, blank=True)
    narrative = models.TextField(_("困难经过"), blank=True, max_length=4000)
    monthly_income = models.DecimalField(_("月收入"), default=Decimal("0.00"), **MONEY)
    household_expenses = models.DecimalField(_("家庭必要月支出"), default=Decimal("0.00"), **MONEY)
    dependents = models.PositiveSmallIntegerField(_("需要抚养或赡养的人数"), default=0)
    other_fixed_payments = models.DecimalField(_("其他固定月还款"), default=Decimal("0.00"), **MONEY)
    # What came in each month before the hardship: the letter shows before and after.
    income_before = models.DecimalField(_("困难之前的月收入"), null=True, blank=True, **MONEY)
    # None: the default margin (plans.safety_margin); an amount: what the user chose to keep back.
    safety_margin = models.DecimalField(_("留作应急的金额"), null=True, blank=True, **MONEY)
    budget_updated_at = models.DateTimeField(_("收支更新时间"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("困难情况")
        verbose_name_plural = _("困难情况")
        ordering = ["case"]
        # One hardship per case is the OneToOneField's own unique index.
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0, household_expenses__gte=0, other_fixed_payments__gte=0)
                & (models.Q(income_before__isnull=True) | models.Q(income_before__gte=0))
                & (models.Q(safety_margin__isnull=True) | models.Q(safety_margin__gte=0)),
                name="hardship_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(dependents__range=(0, MAX_DEPENDENTS)), name="hardship_dependents_in_range"
            ),
        ]

    def __str__(self) -> str:
        return ", ".join(self.reason_labels) or str(_("未填写"))

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(HardshipReason.choices)
        return [str(labels[reason]) for reason in self.reasons if reason in labels]

    @property
    def monthly_budget(self) -> Decimal:
        return plans.monthly_budget(self.monthly_income, self.household_expenses, self.other_fixed_payments)


class EvidenceKind(models.TextChoices):
    """The one list of proof documents; the checklist, the forms and the attachment lists all read it."""

    ID_CARD = "id_card", _("身份证")
    STATEMENT = "statement", _("账单或欠款明细")
    INCOME_PROOF = "income_proof", _("收入证明")
    UNEMPLOYMENT_CERTIFICATE = "unemployment_certificate", _("失业证明或离职证明")
    MEDICAL_RECORD = "medical_record", _("病历或诊断证明")
    HOSPITAL_INVOICE = "hospital_invoice", _("医疗费用发票")
    FAMILY_CRISIS_PROOF = "family_crisis_proof", _("家庭变故证明")
    BANK_STATEMENT = "bank_statement", _("银行流水")
    CALL_RECORD = "call_record", _("通话录音或短信截图")
    SIGNED_AGREEMENT = "signed_agreement", _("已签协议")
    PAYMENT_RECEIPT = "payment_receipt", _("还款凭证")
    OTHER = "other", _("其他材料")


# What may hold a call recording besides photos and PDFs: the call with the lender, recorded.
RECORDING_KINDS = frozenset({EvidenceKind.CALL_RECORD})


# What each hardship reason has to be backed by, per the articles: the lender asks for proof of the hardship itself
# and of the income it cost.
EVIDENCE_FOR_REASON: dict[str, tuple[str, ...]] = {
    HardshipReason.UNEMPLOYMENT: (EvidenceKind.UNEMPLOYMENT_CERTIFICATE, EvidenceKind.BANK_STATEMENT),
    HardshipReason.ILLNESS: (EvidenceKind.MEDICAL_RECORD, EvidenceKind.HOSPITAL_INVOICE),
    HardshipReason.INCOME_DROP: (EvidenceKind.INCOME_PROOF, EvidenceKind.BANK_STATEMENT),
    HardshipReason.FAMILY_CRISIS: (EvidenceKind.FAMILY_CRISIS_PROOF,),
    HardshipReason.DISASTER: (EvidenceKind.OTHER, EvidenceKind.BANK_STATEMENT),
    HardshipReason.OTHER: (EvidenceKind.OTHER,),
}
# Every application needs the identity and the bill; asking for the principal only also needs the full flow of money.
EVIDENCE_ALWAYS: tuple[str, ...] = (EvidenceKind.ID_CARD, EvidenceKind.STATEMENT, EvidenceKind.INCOME_PROOF)
EVIDENCE_FOR_GOAL: dict[str, tuple[str, ...]] = {
    CaseGoal.PRINCIPAL_ONLY: (EvidenceKind.BANK_STATEMENT,),
}


def required_evidence(reasons: list[str], goals: str | list[str]) -> list[tuple[str, str]]:
    """The (kind, reason it supports) pairs a case needs; reason "" means the application as a whole.

    `goals`: the plan asked of each lender (or one goal): what any of them needs is on the list.
    """
    goals = [goals] if isinstance(goals, str) else goals
    needed: list[tuple[str, str]] = [(kind, "") for kind in EVIDENCE_ALWAYS]
    covered = {kind for kind, _ in needed}
    for reason in reasons:
        for kind in EVIDENCE_FOR_REASON.get(reason, ()):
            if kind not in covered:
                needed.append((kind, reason))
                covered.add(kind)
    for goal in goals:
        for kind in EVIDENCE_FOR_GOAL.get(goal, ()):
            if kind not in covered:
                needed.append((kind, ""))
                covered.add(kind)
    return needed


class EvidenceStatus(models.TextChoices):
    MISSING = "missing", _("待上传")
    UPLOADED = "uploaded", _("已上传")
    SENT = "sent", _("已提交给平台")
    ACCEPTED = "accepted", _("平台已认可")
    REJECTED = "rejected", _("平台未认可")


EVIDENCE_TRANSITIONS: dict[str, frozenset[str]] = {
    EvidenceStatus.MISSING: frozenset({EvidenceStatus.UPLOADED}),
    EvidenceStatus.UPLOADED: frozenset({EvidenceStatus.SENT, EvidenceStatus.MISSING}),
    EvidenceStatus.SENT: frozenset({EvidenceStatus.ACCEPTED, EvidenceStatus.REJECTED, EvidenceStatus.UPLOADED}),
    EvidenceStatus.ACCEPTED: frozenset({EvidenceStatus.SENT}),
    EvidenceStatus.REJECTED: frozenset({EvidenceStatus.UPLOADED, EvidenceStatus.SENT, EvidenceStatus.MISSING}),
}


class Evidence(CaseContent):
    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("材料类型"), max_length=30, choices=EvidenceKind.choices)
    supports = models.CharField(
        _("证明的困难"),
        max_length=20,
        choices=HardshipReason.choices,
        blank=True,
        help_text=_("留空表示用于整个申请。"),
    )
    title = models.CharField(_("名称"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=EvidenceStatus.choices, default=EvidenceStatus.MISSING)
    status_changed_on = models.DateField(_("状态日期"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    position = models.PositiveIntegerField(_("附件序号"), default=0)
    # Put on the list by the checklist (not added by the user), so the checklist may take it off again.
    from_checklist = models.BooleanField(_("清单自动添加"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        ordering = ["case", "position", "id"]
        indexes = [models.Index(fields=["case", "status"], name="evidence_case_status")]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=EvidenceKind.values), name="evidence_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(supports__in=["", *HardshipReason.values]), name="evidence_supports_valid"
            ),
            models.CheckConstraint(condition=models.Q(status__in=EvidenceStatus.values), name="evidence_status_valid"),
            # The checklist adds a kind only when the case has no item of that kind, and never adds a second one:
            # taking items off again and re-deriving them relies on that. Items the user adds may repeat a kind
            # (two bank statements, several "other" proofs), so only the checklist's own items are unique.
            # Attachment numbers (position) are not unique here: the services renumber them 1..n in one UPDATE,
            # whose rows a unique index would check one at a time, and SQLite has no deferrable unique constraints.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=models.Q(from_checklist=True), name="evidence_checklist_kind_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def display_title(self) -> str:
        return self.title or str(self.get_kind_display())

    @property
    def accepts_recordings(self) -> bool:
        return self.kind in RECORDING_KINDS

    def can_move_to(self, status: str) -> bool:
        return status in EVIDENCE_TRANSITIONS[self.status]


class EvidenceEvent(CaseContent):
    """One step of an item's history (uploaded, sent to the lender, rejected...) with its date and what was said."""

    evidence = models.ForeignKey(Evidence, verbose_name=_("证明材料"), on_delete=models.CASCADE, related_name="events")
    status = models.CharField(_("状态"), max_length=20, choices=EvidenceStatus.choices)
    on = models.DateField(_("日期"))
    note = models.TextField(_("备注"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    case_path = "evidence__case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("材料状态记录")
        verbose_name_plural = _("材料状态记录")
        ordering = ["evidence", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=EvidenceStatus.values), name="evidence_event_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.on:%Y-%m-%d}"


class EvidenceFile(CaseContent):
    """One stored file of a proof document (a photo of each page, or one PDF), already checked and cleaned.

    The storage name is random and chosen by the service; the user's own file name is kept only for display.
    """

    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    evidence = models.ForeignKey(Evidence, verbose_name=_("证明材料"), on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("文件"), max_length=200)
    thumbnail = models.FileField(_("缩略图"), blank=True, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    # Of the bytes as uploaded, before any cleaning: the same photo chosen twice is recognised.
    upload_checksum = models.CharField(_("上传时的 SHA-256"), max_length=64)
    pages = models.PositiveIntegerField(_("页数"), default=1)
    position = models.PositiveIntegerField(_("顺序"), default=0)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    case_path = "evidence__case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")
        ordering = ["evidence", "position", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1] if "." in name else ""

    @property
    def download_name(self) -> str:
        """The user's name with the extension of what is stored (a HEIC photo comes back as a JPEG)."""
        stem, dot, suffix = self.original_name.rpartition(".")
        base = stem if dot and stem else self.original_name
        return f"{base}.{self.extension}" if self.extension else base

    @property
    def is_recording(self) -> bool:
        return self.content_type.startswith("audio/")

    @property
    def plays_in_browser(self) -> bool:
        """A recording a browser's <audio> can play; the others (AMR) are offered for download only."""
        return self.is_recording and self.content_type not in audio.NOT_PLAYABLE_TYPES


class ContactChannel(models.TextChoices):
    PHONE_95188 = "phone_95188", _("95188 电话")
    BANK_HOTLINE = "bank_hotline", _("银行客服电话")
    APP_CHAT = "app_chat", _("App 在线客服")
    WEB_FORM = "web_form", _("网站表单")
    LETTER = "letter", _("信件")
    IN_PERSON = "in_person", _("当面")
    LENDER_CALLED = "lender_called", _("平台或银行打给我")
    COLLECTOR_CALL = "collector_call", _("催收来电")


# A call the other side made: the direction is incoming whatever was picked.
INCOMING_CHANNELS = frozenset({ContactChannel.LENDER_CALLED, ContactChannel.COLLECTOR_CALL})


class ContactDirection(models.TextChoices):
    OUTGOING = "outgoing", _("我联系对方")
    INCOMING = "incoming", _("对方联系我")


class ContactOutcome(models.TextChoices):
    NO_RESULT = "no_result", _("没有结果")
    SUBMITTED = "submitted", _("已提交申请或材料")
    NEEDS_DOCUMENTS = "needs_documents", _("要求补充材料")
    OFFER_MADE = "offer_made", _("对方给出方案")
    CALLBACK = "callback", _("约定回电")
    AGREED = "agreed", _("达成一致")
    REFUSED = "refused", _("被拒绝")


class ContactLog(CaseContent):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="contacts")
    # The lender talked to. Empty only for calls logged before contacts were per lender; a lender removed with its
    # last debt leaves its calls in the log.
    creditor = models.ForeignKey(
        Creditor,
        verbose_name=_("平台或银行"),
        on_delete=models.SET_NULL,
        related_name="contacts",
        null=True,
        blank=True,
    )
    occurred_at = models.DateTimeField(_("时间"))
    channel = models.CharField(_("渠道"), max_length=20, choices=ContactChannel.choices)
    direction = models.CharField(
        _("方向"), max_length=10, choices=ContactDirection.choices, default=ContactDirection.OUTGOING
    )
    agent_name = models.CharField(_("客服姓名"), max_length=50, blank=True)
    agent_id = models.CharField(_("工号"), max_length=30, blank=True)
    summary = models.TextField(_("沟通内容"), max_length=4000)
    offer = models.TextField(_("对方提出的方案"), blank=True, max_length=2000)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=ContactOutcome.choices, default=ContactOutcome.NO_RESULT
    )
    next_follow_up = models.DateField(_("下次跟进日期"), null=True, blank=True)
    # The recording or the screenshots of this contact: an evidence item of its own (通话录音或短信截图).
    evidence = models.ForeignKey(
        Evidence,
        verbose_name=_("录音或截图"),
        on_delete=models.SET_NULL,
        related_name="contact_logs",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("沟通记录")
        verbose_name_plural = _("沟通记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["case", "-occurred_at"], name="contact_case_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(channel__in=ContactChannel.values), name="contact_channel_valid"),
            models.CheckConstraint(
                condition=models.Q(direction__in=ContactDirection.values), name="contact_direction_valid"
            ),
            models.CheckConstraint(condition=models.Q(outcome__in=ContactOutcome.values), name="contact_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_channel_display()}"


class CaseStatusChange(CaseContent):
    """A case, or one lender's negotiation, moving from one status to the next: the case's timeline shows it."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="status_changes")
    # The lender whose negotiation moved; empty when the move is the case's own.
    creditor = models.ForeignKey(
        Creditor,
        verbose_name=_("平台或银行"),
        on_delete=models.CASCADE,
        related_name="status_changes",
        null=True,
        blank=True,
    )
    old_status = models.CharField(_("原状态"), max_length=20, choices=CaseStatus.choices)
    new_status = models.CharField(_("新状态"), max_length=20, choices=CaseStatus.choices)
    changed_at = models.DateTimeField(_("时间"), auto_now_add=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("案件状态变化")
        verbose_name_plural = _("案件状态变化")
        ordering = ["case", "-changed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(old_status__in=CaseStatus.values, new_status__in=CaseStatus.values),
                name="status_change_statuses_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_old_status_display()} → {self.get_new_status_display()}"


class Agreement(CaseContent):
    """The installment agreement as the lender confirmed it in writing, with its schedule (Installment) and payments.

    The blank or None terms are those the written agreement did not state (agreement_terms lists what it must)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="agreements")
    # One agreement per lender's negotiation; empty on agreements entered before they were per lender.
    creditor = models.ForeignKey(
        Creditor,
        verbose_name=_("平台或银行"),
        on_delete=models.CASCADE,
        related_name="agreements",
        null=True,
        blank=True,
    )
    debts = models.ManyToManyField(Debt, verbose_name=_("涉及的欠款"), related_name="agreements")
    kind = models.CharField(_("协议类型"), max_length=20, choices=CaseGoal.choices)
    amount_waived = models.DecimalField(_("减免金额"), default=Decimal("0.00"), **MONEY)
    total_to_repay = models.DecimalField(_("应还总额"), **MONEY)
    down_payment = models.DecimalField(_("首付"), default=Decimal("0.00"), **MONEY)
    installment_count = models.PositiveSmallIntegerField(
        _("分期期数"), validators=[MinValueValidator(1), MaxValueValidator(plans.MAX_MONTHS)]
    )
    first_due_date = models.DateField(_("首期还款日"))
    annual_rate = models.DecimalField(
        _("分期年利率"),
        max_digits=7,
        decimal_places=6,
        default=Decimal("0"),
        help_text=_("小数形式，0.06 即 6%/年；停息为 0。"),
    )
    interest_resumes = models.BooleanField(_("违约后恢复计息"), default=True)
    breach_clause = models.TextField(_("违约条款"), blank=True, max_length=2000)
    # What the written agreement states besides the schedule; None or blank: it does not say.
    balance_principal = models.DecimalField(_("协议写明的本金余额"), null=True, blank=True, **MONEY)
    balance_interest = models.DecimalField(_("协议写明的利息"), null=True, blank=True, **MONEY)
    balance_penalty = models.DecimalField(_("协议写明的罚息"), null=True, blank=True, **MONEY)
    balance_fees = models.DecimalField(_("协议写明的费用"), null=True, blank=True, **MONEY)
    repayment_method = models.CharField(_("还款方式"), max_length=100, blank=True)
    repayment_account = models.CharField(_("还款账户"), max_length=60, blank=True, validators=[validate_account_label])
    stated_installment = models.DecimalField(_("协议写明的每期金额"), null=True, blank=True, **MONEY)
    plan_fee = models.DecimalField(_("分期期间的手续费"), null=True, blank=True, **MONEY)
    rights_and_duties = models.TextField(_("双方的权利义务"), blank=True, max_length=2000)
    signed_on = models.DateField(_("签署日期"), null=True, blank=True)
    signed_copy = models.ForeignKey(
        Evidence, verbose_name=_("协议原件"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("还款协议")
        verbose_name_plural = _("还款协议")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_waived__gte=0, total_to_repay__gte=0, down_payment__gte=0),
                name="agreement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(installment_count__range=(1, plans.MAX_MONTHS)),
                name="agreement_installment_count_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(annual_rate__range=(0, MAX_ANNUAL_RATE)), name="agreement_annual_rate_in_range"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=CaseGoal.values), name="agreement_kind_valid"),
            models.CheckConstraint(
                condition=(models.Q(balance_principal__isnull=True) | models.Q(balance_principal__gte=0))
                & (models.Q(balance_interest__isnull=True) | models.Q(balance_interest__gte=0))
                & (models.Q(balance_penalty__isnull=True) | models.Q(balance_penalty__gte=0))
                & (models.Q(balance_fees__isnull=True) | models.Q(balance_fees__gte=0))
                & (models.Q(stated_installment__isnull=True) | models.Q(stated_installment__gte=0))
                & (models.Q(plan_fee__isnull=True) | models.Q(plan_fee__gte=0)),
                name="agreement_stated_amounts_not_negative",
            ),
            models.UniqueConstraint(fields=["creditor"], name="agreement_one_per_creditor"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.installment_count}"


class InstallmentStatus(models.TextChoices):
    DUE = "due", _("待还")
    PARTIAL = "partial", _("部分已还")
    PAID = "paid", _("已还清")


class Installment(CaseContent):
    agreement = models.ForeignKey(
        Agreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="installments"
    )
    number = models.PositiveSmallIntegerField(_("期次"))
    due_date = models.DateField(_("到期日"))
    amount_due = models.DecimalField(_("应还金额"), **MONEY)
    principal = models.DecimalField(_("其中本金"), **MONEY)
    interest = models.DecimalField(_("其中利息"), **MONEY)
    amount_paid = models.DecimalField(_("已还金额"), default=Decimal("0.00"), **MONEY)
    status = models.CharField(
        _("状态"), max_length=10, choices=InstallmentStatus.choices, default=InstallmentStatus.DUE
    )

    case_path = "agreement__case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("分期")
        verbose_name_plural = _("分期")
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="installment_unique_number"),
            models.CheckConstraint(
                condition=models.Q(amount_due__gte=0, principal__gte=0, interest__gte=0, amount_paid__gte=0),
                name="installment_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=InstallmentStatus.values), name="installment_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["due_date", "status"], name="installment_due")]

    def __str__(self) -> str:
        return f"#{self.number} {self.due_date}"

    @property
    def outstanding(self) -> Decimal:
        return self.amount_due - self.amount_paid


class Payment(CaseContent):
    agreement = models.ForeignKey(Agreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField(_("还款日期"))
    amount = models.DecimalField(_("金额"), **MONEY)
    receipt = models.ForeignKey(
        Evidence, verbose_name=_("还款凭证"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    case_path = "agreement__case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("还款记录")
        verbose_name_plural = _("还款记录")
        ordering = ["agreement", "paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.paid_on} ¥{self.amount}"


class Offer(CaseContent):
    """What a lender offered (a counter-offer), compared at once with its share of the budget and entered as the
    agreement once the lender confirms it in writing. The fee is repaid with the installments."""

    creditor = models.ForeignKey(
        Creditor, verbose_name=_("平台或银行"), on_delete=models.CASCADE, related_name="offers"
    )
    received_on = models.DateField(_("收到日期"))
    kind = models.CharField(_("方案类型"), max_length=20, choices=CaseGoal.choices)
    total_to_repay = models.DecimalField(_("应还总额"), **MONEY)
    amount_waived = models.DecimalField(_("减免金额"), default=Decimal("0.00"), **MONEY)
    down_payment = models.DecimalField(_("首付"), default=Decimal("0.00"), **MONEY)
    months = models.PositiveSmallIntegerField(
        _("期数"), validators=[MinValueValidator(1), MaxValueValidator(plans.MAX_MONTHS)]
    )
    annual_rate = models.DecimalField(_("分期年利率"), max_digits=7, decimal_places=6, default=Decimal("0"))
    fee = models.DecimalField(_("手续费"), default=Decimal("0.00"), **MONEY)
    first_due_date = models.DateField(_("首期还款日"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    case_path = "creditor__case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("平台给出的方案")
        verbose_name_plural = _("平台给出的方案")
        ordering = ["creditor", "-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_to_repay__gt=0, amount_waived__gte=0, down_payment__gte=0, fee__gte=0),
                name="offer_amounts_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(months__range=(1, plans.MAX_MONTHS)), name="offer_months_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(annual_rate__range=(0, MAX_ANNUAL_RATE)), name="offer_annual_rate_in_range"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=CaseGoal.values), name="offer_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.months} · {self.received_on}"

    @property
    def annual_rate_percent(self) -> Decimal:
        """The rate as people say it: 6 for 6 % a year."""
        return (self.annual_rate * 100).normalize()


class ReminderKind(models.TextChoices):
    INSTALLMENT = "installment", _("还款提醒")
    FOLLOW_UP = "follow_up", _("跟进提醒")


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    SKIPPED = "skipped", _("不发送")  # e-mail turned off, or no address to send to
    FAILED = "failed", _("发送失败")


class Reminder(CaseContent):
    """One reminder of a date: an in-app notice, and an e-mail unless the user turned e-mail off, each made once.

    The unique keys make a second run of the beat task find its row already there; the e-mail is claimed by a
    conditional UPDATE (pending -> sending) before it goes out, so two workers never both send it."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("类型"), max_length=20, choices=ReminderKind.choices)
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("分期"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    contact = models.ForeignKey(
        ContactLog,
        verbose_name=_("沟通记录"),
        on_delete=models.CASCADE,
        related_name="reminders",
        null=True,
        blank=True,
    )
    due_date = models.DateField(_("提醒的日期"))
    days_before = models.PositiveSmallIntegerField(_("提前天数"))
    created_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    email_status = models.CharField(
        _("邮件状态"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_claimed_at = models.DateTimeField(_("开始发送时间"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    email_error = models.CharField(_("邮件未发送的原因"), max_length=200, blank=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["email_status", "created_at"], name="reminder_email_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["installment", "days_before"],
                condition=models.Q(installment__isnull=False),
                name="reminder_once_per_installment",
            ),
            models.UniqueConstraint(
                fields=["contact", "due_date"],
                condition=models.Q(contact__isnull=False),
                name="reminder_once_per_follow_up",
            ),
            models.CheckConstraint(
                condition=models.Q(kind=ReminderKind.INSTALLMENT, installment__isnull=False, contact__isnull=True)
                | models.Q(kind=ReminderKind.FOLLOW_UP, contact__isnull=False, installment__isnull=True),
                name="reminder_names_its_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(email_status__in=EmailStatus.values), name="reminder_email_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"


class ReminderPreference(models.Model):
    """How a user wants to be reminded. Beside the reminders it governs rather than on the account: no row means the
    defaults (e-mail on), and it goes with the user like the rest of their data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="reminder_preference",
    )
    email_enabled = models.BooleanField(_("用电子邮件提醒我"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("提醒设置")
        verbose_name_plural = _("提醒设置")

    def __str__(self) -> str:
        return str(self.user)


class DocumentKind(models.TextChoices):
    PROPOSAL = "proposal", _("协商还款申请书")
    HARDSHIP_LETTER = "hardship_letter", _("困难情况说明")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


class GeneratedDocument(CaseContent):
    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="documents")
    # The lender the document is addressed to; empty for the versions made before documents were per lender, which
    # stay downloadable.
    creditor = models.ForeignKey(
        Creditor,
        verbose_name=_("平台或银行"),
        on_delete=models.CASCADE,
        related_name="documents",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("文书类型"), max_length=20, choices=DocumentKind.choices)
    version = models.PositiveIntegerField(_("版本"))
    status = models.CharField(_("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    error = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(_("文件"), upload_to="documents/", blank=True, max_length=200)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    # The task that claimed the render: the same message handed back after its worker died takes its claim over.
    claimed_by = models.CharField(_("认领的任务"), max_length=64, blank=True)
    # False while the job could not be handed to the broker (Redis down): the next sweep queues it.
    queued = models.BooleanField(_("已排队"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("生成的文书")
        verbose_name_plural = _("生成的文书")
        ordering = ["case", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "version"], name="document_unique_version"),
            models.CheckConstraint(condition=models.Q(kind__in=DocumentKind.values), name="document_kind_valid"),
            models.CheckConstraint(condition=models.Q(status__in=DocumentStatus.values), name="document_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="document_status_age")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (DocumentStatus.READY, DocumentStatus.FAILED)

    @property
    def download_name(self) -> str:
        addressee = self.creditor.name if self.creditor else self.case.title
        return f"{self.get_kind_display()}-{addressee}-v{self.version}.pdf"


class CaseBundle(CaseContent):
    """The case's ZIP for the lender (the latest documents and every evidence file), built by the worker: a case may
    hold 100 MB, in storage that may be S3. Asked for, built, downloaded by the owner, removed after a day."""

    code = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="bundles")
    status = models.CharField(_("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING)
    error = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(_("文件"), upload_to="bundles/", blank=True, max_length=200)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    entries = models.PositiveIntegerField(_("文件数"), default=0)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    case_path = "case"  # how it reaches its case: cases/revisions.py

    class Meta:
        verbose_name = _("材料包")
        verbose_name_plural = _("材料包")
        ordering = ["case", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=DocumentStatus.values), name="bundle_status_valid"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="bundle_status_age")]

    def __str__(self) -> str:
        return f"{self.case} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in (DocumentStatus.READY, DocumentStatus.FAILED)
