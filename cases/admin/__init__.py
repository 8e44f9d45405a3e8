"""Admin pages for support staff: every model of a case, searched and filtered.

Every write goes through cases.services, so the admin keeps the rules the app keeps: a case moves only along its
legal path, documents made before a change are marked out of date, amounts and dates are checked, payments are
allocated again. What no service writes (an agreement's schedule, a document the worker made, an item's history) is
shown read-only. The ID number is shown masked only, never in a form, a list, a search or the history.
"""

from . import agreement, case, contact, documents, evidence  # noqa: F401  (each registers its pages)
