"""WeasyPrint stays out of the web process: cases/pdf.py is imported only where a document is rendered."""

import os
import subprocess
import sys

WEB_PROCESS_IMPORTS = """
import sys
import django
django.setup()
import huabei_negotiate.settings, huabei_negotiate.urls, huabei_negotiate.wsgi, cases.tasks
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as the first request loads them
loaded = sorted(name for name in sys.modules if name == "weasyprint" or name.startswith(("weasyprint.", "cases.pdf")))
print(loaded)
"""


def test_the_web_process_never_loads_weasyprint():
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "huabei_negotiate.settings_test"}
    result = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS_IMPORTS], capture_output=True, text=True, check=True, env=environment
    )
    assert result.stdout.strip() == "[]", result.stdout
