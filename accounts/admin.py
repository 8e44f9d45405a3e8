from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "phone")


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserCreationAdminForm
    form = UserChangeAdminForm
    ordering = ["-date_joined"]
    list_display = ["email", "phone", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "is_superuser"]
    search_fields = ["email", "phone", "display_name"]
    readonly_fields = ["date_joined", "last_login", "sensitive_consent_at", "sensitive_consent_version"]
    fieldsets = [
        (None, {"fields": ["email", "phone", "display_name", "password"]}),
        (_("同意记录"), {"fields": ["sensitive_consent_at", "sensitive_consent_version"]}),
        (_("权限"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        (_("时间"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "phone", "usable_password", "password1", "password2"]}),
    ]
