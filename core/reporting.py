"""Error reports without personal data: no form values, no local variables, no e-mail address for the user.

A report (to ADMINS, or a page with DEBUG off) names the view, the line and the exception type; what the user typed
(an ID number, a phone, a hardship narrative) stays out of it.
"""

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

from .logging import redact


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        if request is None or not self.is_active(request):
            return super().get_post_parameters(request)
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        if request is None or not self.is_active(request):
            return meta
        meta = {name: redact(value) if isinstance(value, str) else value for name, value in meta.items()}
        if "QUERY_STRING" in meta:
            meta["QUERY_STRING"] = self.cleansed_substitute
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        if not self.is_active(request):
            return super().get_traceback_frame_variables(request, tb_frame)
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]


class PersonalDataExceptionReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if not self.filter.is_active(self.request):
            return data
        user = getattr(self.request, "user", None)
        if user is not None:
            data["user_str"] = f"#{user.pk}" if user.is_authenticated else "AnonymousUser"
        if data.get("exception_value"):
            data["exception_value"] = redact(str(data["exception_value"]))
        if self.request is not None:
            hidden = self.filter.cleansed_substitute
            data["request_GET_items"] = [(name, hidden) for name in self.request.GET]
            data["request_FILES_items"] = [(name, hidden) for name in self.request.FILES]
            data["request_insecure_uri"] = redact(self.request.path)
        return data
