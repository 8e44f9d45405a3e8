"""The export of everything the app holds about a user (PIPL's right of access and portability): one ZIP.

It reads the same rows that deleting the account removes (`services.user_rows`), through Django's serialiser, so a
model added to a case later is exported without a change here; every file those rows name goes in beside them.
This lives with the accounts, not the cases, because it starts from the user and takes all of their data.
"""

import json
import logging
import shutil
import zipfile
from typing import IO

from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import User
from .services import stored_files, user_rows

logger = logging.getLogger(__name__)

DATA_NAME = "data.json"
README_NAME = "README.txt"
FILES_FOLDER = "files"
# Never exported: the password is kept only as a one-way hash, and a hash is of use to nobody but a guesser.
WITHHELD_FIELDS = {User._meta.label_lower: {"password"}}


def export_records(rows) -> list[dict]:
    """Every row as Django's serialiser writes it ({"model", "pk", "fields"}), the ID number decrypted."""
    records = serializers.serialize("python", rows)
    for record in records:
        for name in WITHHELD_FIELDS.get(record["model"], ()):
            record["fields"].pop(name, None)
    return records


def readme_text(user: User, *, made_at) -> str:
    return "\n".join(
        [
            _("花呗协商助手：您的全部数据"),
            _("导出时间：%(time)s") % {"time": timezone.localtime(made_at).strftime("%Y-%m-%d %H:%M:%S %Z")},
            "",
            _("%(name)s：账户和每个案件的全部记录（欠款、困难情况、证明材料、沟通记录、协议、还款、生成的文书等）。")
            % {"name": DATA_NAME},
            _("每条记录有 model（记录类型）、pk（编号）和 fields（内容）；身份证号已解密。"),
            _("密码只保存不可逆的散列值，不导出。"),
            _("%(folder)s/：您上传的每个文件、缩略图和生成的每份文书；路径与 data.json 中 file 字段的值相同。")
            % {"folder": FILES_FOLDER},
            _("%(name)s：本说明。") % {"name": README_NAME},
            "",
            _("金额单位为元；时间为 UTC（ISO 8601 格式）。"),
            "",
        ]
    )


def write_export(user: User, out: IO[bytes]) -> list[str]:
    """Write the ZIP to `out` and return the names it holds, in order."""
    made_at = timezone.now()
    rows = user_rows(user)

    def entry(name: str) -> zipfile.ZipInfo:
        # Dated now, in the user's time zone: without a date every entry would say 1980-01-01.
        info = zipfile.ZipInfo(name, date_time=timezone.localtime(made_at).timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    names = [README_NAME, DATA_NAME]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr(entry(README_NAME), readme_text(user, made_at=made_at))
        data = json.dumps(export_records(rows), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        archive.writestr(entry(DATA_NAME), data)
        for storage, name in stored_files(rows):
            entry_name = f"{FILES_FOLDER}/{name}"
            if entry_name in names:
                continue
            try:
                source = storage.open(name, "rb")
            except FileNotFoundError:
                logger.error("user %s: a stored file named by a row is missing from storage", user.pk)
                continue
            with source, archive.open(entry(entry_name), "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
            names.append(entry_name)
    return names
