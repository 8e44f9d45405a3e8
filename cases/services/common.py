"""What the services share: "not given", model validation before saving, "the case changed", files deleted once
the rows naming them are gone."""

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.utils import timezone

from .. import validators
from ..models import Case

ZERO = Decimal("0.00")


class Unset(enum.Enum):
    """The type of UNSET: an argument the caller did not give, so the field keeps the value it has."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def _given(**arguments: Any) -> dict[str, Any]:
    """The arguments the caller gave, by name: what an update changes."""
    return {name: value for name, value in arguments.items() if value is not UNSET}


def _amount_or_zero(value: validators.Amount | None, *, field: str) -> Decimal:
    """An amount where blank means none at all: 0.00."""
    amount = validators.clean_amount(value, field=field, required=False)
    return ZERO if amount is None else amount


def _save(instance, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own validation too (choices, lengths, validators), then save."""
    _validate(instance, exclude=exclude)
    instance.save()


def _validate(instance, *, exclude: Iterable[str] = ()) -> None:
    """The model's own validation (choices, lengths, validators), as field-keyed ValidationErrors."""
    errors: dict[str, list[ValidationError]] = {}
    # Model validation ignores a TextField's max_length (only its form field applies it), so check it here.
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.TextField) and field.max_length and field.name not in exclude:
            try:
                MaxLengthValidator(field.max_length)(getattr(instance, field.attname) or "")
            except ValidationError as error:
                errors[field.name] = error.error_list
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _touch(case_id: int) -> None:
    """Something the documents print has changed: the case moves up the list and its documents are out of date."""
    now = timezone.now()
    Case.objects.filter(pk=case_id).update(updated_at=now, documents_changed_at=now)


def _delete_after_commit(storage: Storage, names: list[str]) -> None:
    """Delete stored files once the transaction that deletes their rows has committed (never if it rolls back)."""

    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)
