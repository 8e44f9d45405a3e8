"""Sign-up and the privacy note; sign-in, sign-out and passwords use Django's own views."""

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters

from .forms import SignUpForm
from .services import user_sign_up


@sensitive_post_parameters("password1", "password2")
def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
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


def privacy(request):
    return render(request, "accounts/privacy.html")
