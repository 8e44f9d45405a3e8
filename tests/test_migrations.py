"""Migrations that move data: what a case held before the change is still there after it."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_an_items_single_file_and_status_carry_over():
    before = migrate([("cases", "0003_document_language")])
    User = before.get_model("accounts", "User")
    Case = before.get_model("cases", "Case")
    Evidence = before.get_model("cases", "Evidence")
    owner = User.objects.create(email="migrate@example.com", password="x")
    case = Case.objects.create(owner=owner, title="迁移")
    with_file = Evidence.objects.create(
        case=case,
        kind="id_card",
        position=1,
        file="evidence/old.jpg",
        original_name="身份证.jpg",
        content_type="image/jpeg",
        size=1234,
        status="sent",
        status_changed_on=date(2026, 3, 2),
        note="发给了在线客服",
    )
    Evidence.objects.create(case=case, kind="statement", position=2)
    try:
        after = migrate([("cases", "0004_evidence_files")])
        EvidenceFile = after.get_model("cases", "EvidenceFile")
        files = list(EvidenceFile.objects.values_list("evidence_id", "file", "original_name", "content_type", "size"))
        assert files == [(with_file.pk, "evidence/old.jpg", "身份证.jpg", "image/jpeg", 1234)]
        assert after.get_model("cases", "Evidence").objects.count() == 2
        EvidenceEvent = after.get_model("cases", "EvidenceEvent")
        history = list(EvidenceEvent.objects.values_list("evidence_id", "status", "on", "note"))
        assert history == [(with_file.pk, "sent", date(2026, 3, 2), "发给了在线客服")]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
