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
