from django.contrib import admin
from django.urls import include, path

from cases.views import case as case_views
from core import views as core_views

urlpatterns = [
    path("", case_views.home, name="home"),
    path("health/", core_views.health, name="health"),
    path("cases/", include("cases.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The database out of reach answers 503 in the user's language (core/errors.py), anything else Django's 500.
handler500 = "core.errors.server_error"
