"""A case's revision: a number in the case's row drawn anew with every change to the case or to anything it holds,
so that what is made from a case (a rendered page, cases/views/page_cache.py) is current exactly while the number
stays the same.

The number is drawn at random (62 bits), not counted up: a database restored from a backup would count up again
through numbers whose pages may still be kept, and show them for the restored case.

Saves and deletes draw it through signals; `QuerySet.update()`, `bulk_create()` and `bulk_update()` send no
signals, so every model a case holds is managed by `CaseContentQuerySet`, which draws it for them. The update runs in
the same transaction as the change it follows: a revision is never visible without the change, nor the change
without its revision. `Case.save()` never writes the number back (cases/models.py), so an instance loaded earlier
cannot put back an older revision.
"""

import secrets
from collections.abc import Iterable
from typing import Any, TypeVar

from django.apps import apps
from django.db import models, router, transaction
from django.db.models.signals import post_delete, post_save

# How each model a case holds reaches its case, as a lookup from the model ("case", or through a parent row).
CASE_PATH_ATTRIBUTE = "case_path"

_Row = TypeVar("_Row", bound=models.Model)


def _case_model() -> type[models.Model]:
    return apps.get_model("cases", "Case")


def new_revision() -> int:
    return secrets.randbits(62) + 1


def move_on(case_ids: Any) -> None:
    """Move on the revision of the cases named: one id, or a queryset or list of ids."""
    cases = _case_model()._default_manager.all()
    cases = cases.filter(pk=case_ids) if isinstance(case_ids, int) else cases.filter(pk__in=case_ids)
    # Case's own queryset draws a new revision on every update (CaseQuerySet).
    cases.update()


def case_path(model: type[models.Model]) -> str | None:
    return getattr(model, CASE_PATH_ATTRIBUTE, None)


def _cases_of(rows: Iterable[models.Model]) -> Any:
    """The ids of the cases some rows of one model belong to: a list, or a subquery when the model reaches its case
    through a parent row (if the parent is gone already, the subquery finds nothing, and the parent's own delete
    moved the revision on)."""
    rows = list(rows)
    if not rows:
        return []
    path = case_path(type(rows[0]))
    assert path is not None
    first, _sep, rest = path.partition("__")
    field = rows[0]._meta.get_field(first)
    parent_ids = sorted({getattr(row, field.attname) for row in rows} - {None})  # type: ignore[union-attr]
    if not rest:
        return parent_ids
    return field.related_model.objects.filter(pk__in=parent_ids).values(rest)  # type: ignore[union-attr]


class CaseContentQuerySet(models.QuerySet[_Row]):
    """The queryset of every model a case holds: its bulk writes move the revision of the cases they touch."""

    def _case_ids(self) -> list[int]:
        path = case_path(self.model)
        assert path is not None, f"{self.model.__name__} has no {CASE_PATH_ATTRIBUTE}"
        return list(self.order_by().values_list(path, flat=True).distinct())

    # One transaction for the write and the revision, even outside any (a worker's claim is a bare UPDATE): a
    # revision that fails to move (a database busy for a moment) takes the write back with it, so that a retry finds
    # the row as it was, and never a change that a kept page would not show.
    # bulk_update() writes through update(), which moves the revision on.
    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            # Which cases are touched is read first: the update may change what the filter matches.
            case_ids = self._case_ids()
            rows = super().update(**kwargs)
            if rows:
                move_on(case_ids)
        return rows

    def bulk_create(self, objs: Iterable[_Row], *args: Any, **kwargs: Any) -> list[_Row]:
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            _move_on_for(created)
        return created


class CaseContent(models.Model):
    """The base of every model a case holds: its queryset, and a save that is one transaction with the revision it
    moves (post_save runs after the row is written; outside a transaction they would be two)."""

    objects = CaseContentQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            super().save(*args, **kwargs)


def _move_on_for(rows: Iterable[models.Model]) -> None:
    case_ids = _cases_of(rows)
    if not isinstance(case_ids, list) or case_ids:
        move_on(case_ids)


def _saved(sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kwargs: Any) -> None:
    if raw:  # loaddata: the fixture sets the revision itself
        return
    if sender is _case_model():
        if not created:
            move_on(instance.pk)
        return
    _move_on_for([instance])


def _deleted(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if sender is _case_model():
        return
    _move_on_for([instance])


def connect() -> None:
    """Listen to the saves and deletes of the case and of every model that names its case path."""
    for model in apps.get_app_config("cases").get_models():
        if model is _case_model() or case_path(model):
            post_save.connect(_saved, sender=model, dispatch_uid=f"revision-saved-{model._meta.label}")
            post_delete.connect(_deleted, sender=model, dispatch_uid=f"revision-deleted-{model._meta.label}")
