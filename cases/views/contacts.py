"""After the first call: the contact log per lender (with its recording or screenshots), the follow-up dates in
working days, the talking points for the next call, the case's timeline, and the scam check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from .. import presenters, selectors, services, workdays
from ..forms import FOLLOW_UP_ON_DATE, ContactLogForm
from ..models import Case, ContactLog, Creditor
from .common import case_for, creditor_for
from .evidence import _files_form_is_valid

# The case page shows the newest of the timeline; the timeline page shows all of it.
TIMELINE_ON_CASE_PAGE = 8


def _contact_for(case: Case, contact_id: int) -> ContactLog:
    """A contact through its already-checked case, never by its own id alone."""
    return get_object_or_404(ContactLog.objects.select_related("creditor", "evidence"), case=case, pk=contact_id)


def _lender_anchor(case: Case, creditor: Creditor | None) -> str:
    anchor = f"#lender-{creditor.code.hex}" if creditor else "#contacts"
    return reverse("cases:detail", args=[case.code]) + anchor


def contacts_context(case: Case, creditors: list[Creditor] | None = None, documents: list | None = None) -> dict:
    """The contact log and the timeline on the case page: the contacts are read once for both, and the lenders and
    the documents are those the page has read already, when it has."""
    creditors = selectors.case_creditors(case) if creditors is None else creditors
    contacts = selectors.case_contacts(case)
    timeline = selectors.case_timeline(case, contacts, documents)
    return {
        "lender_contacts": selectors.contacts_by_lender(creditors, contacts),
        "timeline": timeline[:TIMELINE_ON_CASE_PAGE],
        "timeline_more": max(len(timeline) - TIMELINE_ON_CASE_PAGE, 0),
        "today": timezone.localdate(),
    }


def _saved_message(creditor: Creditor, form: ContactLogForm, entry: ContactLog) -> str:
    text = _("已记下和%(name)s的这次沟通。") % {"name": creditor.name}
    if entry.next_follow_up:
        day = formats.date_format(entry.next_follow_up, "MONTH_DAY_FORMAT")
        text += " " + _("下次跟进：%(day)s。") % {"day": day}
        if form.follow_up_suggested:
            text += " " + _("平台审核一般要 3 到 7 个工作日，先定在 3 个工作日后，可以修改。")
        contact_day = timezone.localtime(entry.occurred_at).date()
        unknown = workdays.weekends_only_between(contact_day, entry.next_follow_up)
        if unknown and form.cleaned_data.get("follow_up") != FOLLOW_UP_ON_DATE:
            text += " " + _weekends_only_note(unknown)
    return text


def _weekends_only_note(years: list[int]) -> str:
    return _("%(years)s 年的法定节假日安排本应用还不知道，这个日期只跳过了周末，遇到放假请顺延。") % {
        "years": presenters.join_labels(years)
    }


def _form_page(request, case: Case, creditor: Creditor | None, form: ContactLogForm, entry: ContactLog | None = None):
    context = {
        "case": case,
        "creditor": creditor,
        "form": form,
        "entry": entry,
        "files": selectors.evidence_files(entry.evidence) if entry and entry.evidence else [],
        "weekends_only_note": _weekends_only_note(form.unknown_years) if form.unknown_years else "",
    }
    return render(request, "cases/contacts/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request, code, creditor_code):
    """Write down a call or message with one lender, in a few taps; a recording or screenshots may come along."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    today = timezone.localdate()
    if request.method == "POST":
        form = ContactLogForm(request.POST, request.FILES, base_day=today)
        if _files_form_is_valid(request, form, recordings=True):
            try:
                entry = services.contact_log_create(case=case, creditor=creditor, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _saved_message(creditor, form, entry))
                return redirect(_lender_anchor(case, creditor))
    else:
        form = ContactLogForm(initial=ContactLogForm.initial_for_lender(creditor), base_day=today)
    return _form_page(request, case, creditor, form)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request, code, contact_id):
    """Change a contact, move it to another of the case's lenders, or add files to it."""
    case = case_for(request, code)
    entry = _contact_for(case, contact_id)
    creditors = selectors.case_creditors(case)
    base_day = timezone.localtime(entry.occurred_at).date()
    if request.method == "POST":
        form = ContactLogForm(request.POST, request.FILES, base_day=base_day, creditors=creditors)
        if _files_form_is_valid(request, form, recordings=True):
            try:
                services.contact_log_update(entry=entry, **form.service_fields())
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(request, _("已保存修改。"))
                return redirect(_lender_anchor(case, entry.creditor))
    else:
        form = ContactLogForm(initial=ContactLogForm.initial_for(entry), base_day=base_day, creditors=creditors)
    return _form_page(request, case, entry.creditor, form, entry)


@login_required
@require_http_methods(["GET", "POST"])
def contact_delete(request, code, contact_id):
    case = case_for(request, code)
    entry = _contact_for(case, contact_id)
    if request.method == "POST":
        services.contact_log_delete(entry=entry)
        messages.success(request, _("这条沟通记录已删除。"))
        return redirect(_lender_anchor(case, entry.creditor))
    return render(request, "cases/contacts/delete.html", {"case": case, "entry": entry})


@login_required
@require_GET
def talking_points(request, code, creditor_code):
    """One page to have open during the call with a lender: printable, and readable on a phone."""
    case = case_for(request, code)
    creditor = creditor_for(case, creditor_code)
    context = {"case": case, **presenters.talking_points(case, creditor)}
    return render(request, "cases/contacts/talking_points.html", context)


@login_required
@require_GET
def timeline(request, code):
    case = case_for(request, code)
    return render(request, "cases/contacts/timeline.html", {"case": case, "timeline": selectors.case_timeline(case)})


# What a third party may promise, and why each is a warning sign. Anyone may use the check; nothing is saved.
SCAM_SIGNS: list[tuple[str, Promise, Promise]] = [
    (
        "upfront_fee",
        gettext_lazy("先交服务费、手续费、保证金或“包过费”，才帮您协商"),
        gettext_lazy(
            "和平台、银行协商不收任何费用，您自己打 95188 或银行客服就能申请。先收钱的“代理协商”常常收了钱就失联，"
            "或者只是替您打一个您自己也能打的电话。"
        ),
    ),
    (
        "cards",
        gettext_lazy("要您交出身份证、银行卡、手机卡（SIM 卡），或者告诉他们验证码、密码"),
        gettext_lazy(
            "拿到这些，别人就能用您的名义借钱、转账、办卡，后果由您承担。出租、出借、出售银行卡和手机卡本身就违法，"
            "可能被认定为帮助电信网络诈骗。"
        ),
    ),
    (
        "credit_repair",
        gettext_lazy("“征信修复”“征信洗白”“花钱删除逾期记录”"),
        gettext_lazy(
            "真实的逾期记录谁也删不掉：按《征信业管理条例》，不良信息从不良行为终止之日起保留 5 年。只有记录本身"
            "错了，才由您本人向平台、银行或人民银行征信中心提出异议，而且是免费的。"
        ),
    ),
    (
        "new_policy",
        gettext_lazy("“国家出了新政策”，可以免还利息、只还本金或者停息挂账，由他们代办"),
        gettext_lazy(
            "没有这样的政策。停息挂账、分期、减免都要您本人向平台或银行申请，同不同意由对方决定，"
            "任何人都不能保证一定成功。"
        ),
    ),
    (
        "collectors",
        gettext_lazy("替您应付催收，让您以后把钱还到他们指定的账户"),
        gettext_lazy("钱只能还到平台 App 里或银行的官方还款账户。还给第三方的钱，您的欠款一分不会少，逾期还在继续。"),
    ),
    (
        "fake_materials",
        gettext_lazy("帮您做病历、失业证明、银行流水等材料"),
        gettext_lazy("伪造证明材料是欺诈，协商会被拒绝，还可能被追究法律责任。提交的每份材料都必须是真实的。"),
    ),
    (
        "screen_share",
        gettext_lazy("要您下载陌生的 App，或者打开“屏幕共享”“视频会议”"),
        gettext_lazy("对方能看到您手机上的验证码和密码，直接把钱转走。官方客服不会要您这样做。"),
    ),
]


@require_GET
def scam_check(request):
    """A short check of what a third party promised, with why each promise is a warning sign and where to report."""
    chosen = set(request.GET.getlist("sign"))
    signs = [{"key": key, "promise": promise, "why": why, "chosen": key in chosen} for key, promise, why in SCAM_SIGNS]
    context = {
        "signs": signs,
        "warned": [sign for sign in signs if sign["chosen"]],
        "checked": "checked" in request.GET,
    }
    return render(request, "cases/contacts/scam_check.html", context)
