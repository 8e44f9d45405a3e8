"""What every case view shares: the one ownership helper, and how a private file leaves the server."""

import re
from collections.abc import Iterator
from functools import wraps
from typing import IO

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
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


# One range of bytes ("bytes=0-", "bytes=500-999", "bytes=-500"), all that media players ask for.
_BYTE_RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})")


def private_media_response(
    request, source: IO[bytes], *, filename: str, content_type: str
) -> HttpResponse | StreamingHttpResponse:
    """A stored recording for the page's <audio> player, as private_file_response hands out files, in the one range
    of bytes a player asks for: Safari plays nothing from a server that answers a range with the whole file, and no
    browser can seek in one."""
    source.seek(0, 2)
    size = source.tell()
    source.seek(0)
    match = _BYTE_RANGE.fullmatch(request.headers.get("Range", "").strip())
    first, last = match.groups() if match else ("", "")
    if not (first or last) or (first and last and int(last) < int(first)):
        # No range, or one this does not read (several at once, or back to front): the whole file, as the standard
        # asks of a server that ignores the header.
        whole = private_file_response(source, filename=filename, content_type=content_type, as_attachment=False)
        whole["Accept-Ranges"] = "bytes"
        return whole
    response: HttpResponse | StreamingHttpResponse
    if first:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    else:
        start, end = max(size - int(last), 0), size - 1
    if start >= size or start > end or (not first and int(last) == 0):
        source.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        source.seek(start)
        response = StreamingHttpResponse(_read(source, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


def _read(source: IO[bytes], length: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    """`length` bytes of `source`, then close it (also when the player hangs up first: the response closes this)."""
    try:
        while length > 0:
            data = source.read(min(chunk, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        source.close()
