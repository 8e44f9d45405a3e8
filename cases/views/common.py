"""What every case view shares: the one ownership helper, and how a private file leaves the server."""

from functools import wraps

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from .. import selectors
from ..models import Case, Creditor


def case_for(request, code) -> Case:
    """The first line of every case view: the case by its public code, and only the owner's (404 otherwise).

    Nothing is prefetched: each view reads what it shows through the selectors.
    """
    return selectors.case_for_owner(request.user, code)


def creditor_for(case: Case, creditor_code) -> Creditor:
    """A lender through its already-checked case, never by its own code alone (404 otherwise)."""
    return get_object_or_404(Creditor, case=case, code=creditor_code)


def file_login_required(view):
    """Files answer 404 to anyone not logged in, as to anyone else not the owner: a file URL reveals nothing."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def private_file_response(source, *, filename: str, content_type: str, as_attachment: bool) -> FileResponse:
    """A stored file handed to its owner only: never cached, never sniffed into something else."""
    response = FileResponse(source, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
