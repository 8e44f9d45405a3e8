"""Sign-up and sign-in forms (one field takes either a mobile number or an e-mail address), and the forms of the
privacy rights: deleting the account, withdrawing and giving again the separate consent."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .models import User, normalize_mobile, validate_mobile
from .throttle import reset_mail_allowed

SENSITIVE_CONSENT_TEXT = _(
    "我单独同意本应用处理我的敏感个人信息：金融账户与欠款信息（借款、账单、还款记录）、身份证号，"
    "以及我主动填写或上传的健康与医疗信息。这些信息只用于生成我的协商材料和还款计划，"
    "不会提供给任何第三方；我可以随时导出或删除全部数据。"
)
SENSITIVE_CONSENT_REQUIRED = _("处理敏感个人信息需要您的单独同意，否则无法为您生成协商材料。")


def split_identifier(value: str) -> tuple[str | None, str | None]:
    """Return (email, phone) for what a person typed into the "mobile or e-mail" field."""
    value = (value or "").strip()
    if "@" in value:
        validate_email(value)
        return value, None
    validate_mobile(value)
    return None, normalize_mobile(value)


class SignUpForm(forms.Form):
    identifier = forms.CharField(
        label=_("手机号或电子邮箱"),
        max_length=254,
        help_text=_("以后用它登录。只用邮箱才能通过邮件找回密码。"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    display_name = forms.CharField(label=_("称呼（可不填）"), max_length=60, required=False)
    password1 = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 8 位，不要全是数字，不要和手机号或邮箱相似。"),
    )
    password2 = forms.CharField(
        label=_("再输一次密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    accept_privacy = forms.BooleanField(
        label=_("我已阅读并同意《隐私说明》。"),
        error_messages={"required": _("请先阅读并同意隐私说明。")},
    )
    consent_sensitive = forms.BooleanField(
        label=SENSITIVE_CONSENT_TEXT, error_messages={"required": SENSITIVE_CONSENT_REQUIRED}
    )

    def clean_identifier(self) -> str:
        value = self.cleaned_data["identifier"].strip()
        try:
            email, phone = split_identifier(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                _("请输入 11 位中国大陆手机号或有效的电子邮箱。"), code="invalid_identifier"
            ) from None
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("这个邮箱已经注册，请直接登录。"), code="taken")
        if phone and User.objects.filter(phone=phone).exists():
            raise forms.ValidationError(_("这个手机号已经注册，请直接登录。"), code="taken")
        self.cleaned_data["email"], self.cleaned_data["phone"] = email, phone
        return value

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", forms.ValidationError(_("两次输入的密码不一致。"), code="mismatch"))
        elif password1:
            probe = User(
                email=cleaned.get("email"), phone=cleaned.get("phone"), display_name=cleaned.get("display_name", "")
            )
            try:
                password_validation.validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("手机号或电子邮箱"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    error_messages = {
        "invalid_login": _("手机号/邮箱或密码不正确。连续输错多次后将暂时无法登录。"),
        "inactive": _("这个账户已停用。"),
    }
    remember = forms.BooleanField(
        label=_("在这台设备上保持登录（30 天）"),
        required=False,
        help_text=_("不勾选时，关闭浏览器或 2 小时不操作后需要重新登录。公用电脑请不要勾选。"),
    )


class ThrottledPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending at most a few mails a day to one account; the page says the same either way."""

    def get_users(self, email):
        for user in super().get_users(email):
            if reset_mail_allowed(user):
                yield user


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("请输入密码确认"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label=_("我明白：账户、全部案件和上传的文件都会被永久删除，无法恢复。"),
        error_messages={"required": _("请勾选确认。")},
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("密码不正确。"), code="wrong_password")
        return password


class ConsentWithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我明白：身份证号、困难情况、全部证明材料及其文件和已生成的文书都会被永久删除。"),
        error_messages={"required": _("请勾选确认。")},
    )


class ConsentGiveForm(forms.Form):
    consent_sensitive = forms.BooleanField(
        label=SENSITIVE_CONSENT_TEXT, error_messages={"required": SENSITIVE_CONSENT_REQUIRED}
    )
