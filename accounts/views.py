"""Sign-up, sign-in and the privacy rights: the data page, the export, deleting the account, withdrawing and giving
again the separate consent. Sign-out and password changes use Django's own views."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.views.common import private_file_response

from . import throttle
from .forms import (
    AccountDeleteForm,
    ConsentGiveForm,
    ConsentWithdrawForm,
    LoginForm,
    SignUpForm,
    ThrottledPasswordResetForm,
)
from .privacy import write_export
from .services import user_delete, user_give_consent, user_sign_up, user_withdraw_consent

TOO_MANY_STATUS = 429


def _posted(request):
    """The form's data on a POST, even an empty one (an unticked box sends nothing, and must be an error)."""
    return request.POST if request.method == "POST" else None


def too_many_requests(request):
    """One answer for every limit, whatever was asked: it says nothing about any account."""
    return render(request, "registration/too_many_requests.html", status=TOO_MANY_STATUS)


def locked_out(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page's answer while this identifier is locked out from this address."""
    minutes = int(throttle.axes_lockout_cooloff(request).total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=TOO_MANY_STATUS)


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    identifier = request.POST.get("identifier", "")
    if request.method == "POST" and throttle.over_limit(request, "signup", identifier=identifier):
        return too_many_requests(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_sign_up(
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            password=form.cleaned_data["password1"],
            display_name=form.cleaned_data["display_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("注册成功。下一步：新建一个协商案件。"))
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Django's sign-in; "remember me" keeps this session for SESSION_REMEMBER_SECONDS without a request."""

    authentication_form = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.cleaned_data.get("remember"):
            self.request.session.set_expiry(settings.SESSION_REMEMBER_SECONDS)
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, limited per address and per e-mail address asked for."""

    form_class = ThrottledPasswordResetForm

    def post(self, request, *args, **kwargs):
        if throttle.over_limit(request, "password_reset", identifier=request.POST.get("email", "")):
            return too_many_requests(request)
        return super().post(request, *args, **kwargs)


@require_GET
def privacy(request):
    return render(request, "accounts/privacy.html")


@login_required
@require_GET
def my_data(request):
    """What the privacy note promises, in one place: export, withdraw the consent, delete the account."""
    return render(request, "accounts/my_data.html")


@login_required
@require_POST
def data_export(request):
    """Everything the app holds about the user as one ZIP, built in a temporary file (it may hold hundreds of MB)."""
    archive = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_export(request.user, archive)
    archive.seek(0)
    filename = _("我的数据-%(date)s.zip") % {"date": timezone.localdate().isoformat()}
    return private_file_response(archive, filename=filename, content_type="application/zip", as_attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
def account_delete(request):
    form = AccountDeleteForm(_posted(request), user=request.user)
    if request.method == "POST":
        if throttle.over_limit(request, "account_delete", account=request.user.pk):
            return too_many_requests(request)
        if form.is_valid():
            user_delete(user=request.user)
            logout(request)
            messages.success(request, _("您的账户和全部数据（包括上传的文件）已永久删除。"))
            return redirect("home")
    return render(request, "accounts/account_delete.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request):
    if request.user.has_withdrawn_consent:
        return redirect("my_data")
    form = ConsentWithdrawForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user_withdraw_consent(user=request.user)
        messages.success(request, _("已撤回同意，您的敏感个人信息已删除。案件在您重新同意之前不会再被处理。"))
        return redirect("my_data")
    return render(request, "accounts/consent_withdraw.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def consent_give(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    if not request.user.has_withdrawn_consent:
        return redirect(next_url or "home")
    form = ConsentGiveForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user_give_consent(user=request.user)
        messages.success(request, _("已记录您的单独同意，可以继续填写案件了。"))
        return redirect(next_url or "home")
    return render(request, "accounts/consent_give.html", {"form": form, "next": next_url})
