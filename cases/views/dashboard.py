"""The user's own progress across cases and lenders, the reminders shown in the app, and how to be reminded."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import selectors, services
from ..agreement_forms import ReminderPreferenceForm
from ..models import Reminder
from .common import case_for


@login_required
@require_GET
def dashboard(request):
    today = timezone.localdate()
    context = {
        "lines": selectors.dashboard(request.user, today),
        "notices": selectors.unread_notices(request.user, today),
        "today": today,
    }
    return render(request, "cases/agreement/dashboard.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    if request.method == "POST":
        form = ReminderPreferenceForm(request.POST)
        if form.is_valid():
            services.reminder_preference_set(user=request.user, email_enabled=form.cleaned_data["email"] == "on")
            messages.success(request, _("提醒设置已保存。"))
            return redirect("cases:reminder_settings")
    else:
        form = ReminderPreferenceForm(initial={"email": "on" if services.email_enabled(request.user) else "off"})
    return render(request, "cases/agreement/reminder_settings.html", {"form": form})


@login_required
@require_POST
def notice_read(request, code, reminder_id):
    """A reminder shown in the app, marked as read: through its case, which must be the user's."""
    case = case_for(request, code)
    reminder = get_object_or_404(Reminder, case=case, pk=reminder_id)
    services.reminder_mark_read(reminder=reminder)
    return redirect("cases:dashboard")
