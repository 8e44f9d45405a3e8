"""Keeps personal data out of the logs: mobile numbers, ID numbers and e-mail addresses are masked in every record.

Free text (a hardship narrative, a call summary) is never logged by the app; this filter is the net for what a
library or an exception message might carry.
"""

import logging
import re

_PATTERNS = [
    # An ID number: 17 digits and a check character, not inside a longer run of digits.
    (re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)"), r"\1********\2"),
    # A mainland mobile number, with or without +86 / 0086.
    (re.compile(r"(?<!\d)((?:\+?86|0086)?1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    (re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]+"), "***@***"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
