"""Every response to a signed-in user says `Cache-Control: no-store`: each page carries personal data, and neither
the browser's back-forward cache, its disk cache nor a proxy may keep a copy. Checked over every URL of the matrix
(each variant of it, each wizard step), as the owner and as another user, on GET and on POST."""

import pytest
from django.urls import reverse

from accounts.models import User

from .builders import PASSWORD
from .test_privacy import make_everything
from .test_url_matrix import MATRIX, OWNER_TITLE, send


def assert_no_store(response, what: str) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert "no-store" in directives, f"{what}: Cache-Control is {response.get('Cache-Control')!r}"


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_response_to_a_signed_in_user_is_not_stored(name, owner, owner_client, outsider_client, media):
    entry = MATRIX[name]
    w = make_everything(owner, title=OWNER_TITLE)
    urls = [entry.url(w), *(entry.variants(w) if entry.variants else [])]
    for role, client in (("other user", outsider_client), ("owner", owner_client)):
        for url in urls:
            assert_no_store(send(client, "get", url, entry, w), f"GET {url} as {role}")
        assert_no_store(send(client, "post", urls[0], entry, w), f"POST {urls[0]} as {role}")


@pytest.mark.django_db
def test_the_admin_is_not_stored_either(client):
    client.force_login(User.objects.create_superuser(email="admin@example.com", password=PASSWORD))
    for url in (reverse("admin:index"), reverse("admin:cases_case_changelist"), reverse("admin:accounts_user_add")):
        assert_no_store(client.get(url), url)


@pytest.mark.django_db
def test_a_visitors_public_page_may_be_cached(client):
    assert "no-store" not in client.get(reverse("home")).get("Cache-Control", "")
