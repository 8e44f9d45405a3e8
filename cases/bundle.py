"""The case bundle: one ZIP with the latest documents and every evidence file, named by attachment number."""

import logging
import shutil
import zipfile
from typing import IO

from django.utils import timezone

from . import presenters
from .models import Case

logger = logging.getLogger(__name__)


def write_bundle(case: Case, out: IO[bytes]) -> list[str]:
    """Write the ZIP to `out` and return the names it holds, in order."""
    names = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, stored in presenters.case_bundle_entries(case):
            try:
                source = stored.file.open("rb")
            except FileNotFoundError:
                logger.error("case %s: %s is missing from storage", case.pk, stored.file.name)
                continue
            # Dated now, in the user's time zone: without a date every entry would say 1980-01-01.
            entry = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            with source, archive.open(entry, "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            names.append(name)
    return names
