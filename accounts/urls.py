from django.urls import include, path

from . import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("privacy/", views.privacy, name="privacy"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("data/", views.my_data, name="my_data"),
    path("data/export/", views.data_export, name="data_export"),
    path("delete/", views.account_delete, name="account_delete"),
    path("consent/", views.consent_give, name="consent_give"),
    path("consent/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("", include("django.contrib.auth.urls")),
]
