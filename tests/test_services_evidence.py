"""The evidence services (cases/services/evidence.py): the checklist, each item and its status, the sweep of stored
files no row names; each works, and each bad input is refused with a keyed, translated error that writes nothing."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cases import services, uploads
from cases.models import (
    EVIDENCE_TRANSITIONS,
    Case,
    CaseGoal,
    Evidence,
    EvidenceFile,
    EvidenceKind,
    EvidenceStatus,
    HardshipReason,
    required_evidence,
)
from cases.services import limits

from . import recordings
from .builders import give_file, make_agreement, make_case, make_debt, make_document, photo, today, upload
from .checks import assert_refused, pair_ids

pytestmark = pytest.mark.django_db


# --- Evidence ---------------------------------------------------------------------------------------------------


def positions(case: Case) -> list[int]:
    return list(Evidence.objects.filter(case=case).order_by("position").values_list("position", flat=True))


def choose_plan(case: Case, goal: str) -> None:
    """Ask the case's lender (made with a debt if there is none yet) for `goal`."""
    creditor = case.creditors.first() or make_debt(case).creditor
    services.creditor_choose_plan(creditor=creditor, goal=goal)


class TestEvidenceSyncChecklist:
    @pytest.mark.parametrize("goal_first", [True, False])
    def test_creates_what_the_reasons_and_goal_need(self, case, goal_first):
        # Either order of the edits ends in the same checklist.
        if goal_first:
            choose_plan(case, CaseGoal.PRINCIPAL_ONLY)
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS, HardshipReason.UNEMPLOYMENT])
        if not goal_first:
            choose_plan(case, CaseGoal.PRINCIPAL_ONLY)
        needed = required_evidence([HardshipReason.UNEMPLOYMENT, HardshipReason.ILLNESS], CaseGoal.PRINCIPAL_ONLY)
        items = list(Evidence.objects.filter(case=case).values_list("kind", "supports", "status"))
        assert sorted(items) == sorted((kind, reason, EvidenceStatus.MISSING) for kind, reason in needed)
        assert positions(case) == list(range(1, len(needed) + 1))

    def test_running_twice_adds_nothing(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.FAMILY_CRISIS])
        first = list(Evidence.objects.values())
        services.evidence_sync_checklist(case=case)
        assert list(Evidence.objects.values()) == first

    def test_a_kind_already_present_is_not_added_again_but_takes_the_claim(self, case):
        services.evidence_create(case=case, kind=EvidenceKind.BANK_STATEMENT, title="工资卡流水")
        services.hardship_save(case=case, reasons=[HardshipReason.INCOME_DROP])
        bank = Evidence.objects.get(case=case, kind=EvidenceKind.BANK_STATEMENT)
        assert (bank.title, bank.supports) == ("工资卡流水", HardshipReason.INCOME_DROP)

    def test_goal_items_are_created(self, case):
        choose_plan(case, CaseGoal.PRINCIPAL_ONLY)
        assert Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT, supports="").count() == 1

    def test_a_goal_given_up_takes_its_missing_items_off_the_list(self, case):
        choose_plan(case, CaseGoal.PRINCIPAL_ONLY)
        choose_plan(case, CaseGoal.INTEREST_FROZEN)
        assert not Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT).exists()
        assert positions(case) == list(range(1, Evidence.objects.filter(case=case).count() + 1))

    def test_a_goal_given_up_keeps_what_was_uploaded_or_added_by_hand(self, case):
        choose_plan(case, CaseGoal.PRINCIPAL_ONLY)
        give_file(Evidence.objects.get(case=case, kind=EvidenceKind.BANK_STATEMENT))
        extra = services.evidence_create(case=case, kind=EvidenceKind.HOSPITAL_INVOICE, title="门诊发票")
        choose_plan(case, CaseGoal.INTEREST_FROZEN)
        assert Evidence.objects.filter(case=case, kind=EvidenceKind.BANK_STATEMENT).count() == 1
        assert Evidence.objects.filter(pk=extra.pk).exists()

    def test_withdrawn_reason_prunes_missing_items_and_unclaims_uploaded_ones(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS, HardshipReason.UNEMPLOYMENT])
        medical = give_file(Evidence.objects.get(case=case, kind=EvidenceKind.MEDICAL_RECORD))
        assert medical.supports == HardshipReason.ILLNESS

        services.hardship_save(case=case, reasons=[HardshipReason.UNEMPLOYMENT])

        assert not Evidence.objects.filter(case=case, kind=EvidenceKind.HOSPITAL_INVOICE).exists()
        medical.refresh_from_db()
        assert medical.supports == ""
        assert [f.file.name for f in medical.files.all()] == ["evidence/fake.pdf"]
        assert medical.status == EvidenceStatus.UPLOADED
        assert not Evidence.objects.filter(case=case, supports=HardshipReason.ILLNESS).exists()
        assert Evidence.objects.filter(case=case, supports=HardshipReason.UNEMPLOYMENT).count() == 2
        assert positions(case) == list(range(1, Evidence.objects.filter(case=case).count() + 1))

    def test_direct_call_returns_the_list(self, case):
        items = services.evidence_sync_checklist(case=case)
        assert [item.kind for item in items] == [kind for kind, _ in required_evidence([], [])]


class TestEvidenceCreateUpdateDelete:
    def test_create_works(self, case):
        first = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD, title="  身份证正反面 ", note=" 复印件 ")
        second = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        stored = Evidence.objects.get(pk=first.pk)
        assert (stored.kind, stored.title, stored.note, stored.status) == (
            EvidenceKind.ID_CARD,
            "身份证正反面",
            "复印件",
            EvidenceStatus.MISSING,
        )
        assert (first.position, second.position) == (1, 2)

    def test_create_with_a_claim_the_hardship_makes(self, case):
        services.hardship_save(case=case, reasons=[HardshipReason.ILLNESS])
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER, supports=HardshipReason.ILLNESS)
        assert Evidence.objects.get(pk=evidence.pk).supports == HardshipReason.ILLNESS

    @pytest.mark.parametrize("kind", ["passport", "", "ID_CARD"])
    def test_unknown_kind(self, case, kind):
        assert assert_refused("kind", services.evidence_create, case=case, kind=kind) == ["请选择材料类型。"]

    @pytest.mark.parametrize("supports", [HardshipReason.ILLNESS, "bogus"])
    def test_claim_not_in_the_reasons(self, case, supports):
        services.hardship_save(case=case, reasons=[HardshipReason.UNEMPLOYMENT])
        messages = assert_refused("supports", services.evidence_create, case=case, kind="other", supports=supports)
        assert messages == ["这项困难不在您填写的困难原因里。"]

    def test_claim_without_any_hardship(self, case):
        assert_refused("supports", services.evidence_create, case=case, kind="other", supports=HardshipReason.OTHER)

    def test_title_too_long(self, case):
        assert_refused("title", services.evidence_create, case=case, kind="other", title="长" * 101)

    def test_update_works(self, case):
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        services.evidence_update(evidence=evidence, title=" 租房合同 ", kind=EvidenceKind.BANK_STATEMENT)
        stored = Evidence.objects.get(pk=evidence.pk)
        assert (stored.title, stored.kind) == ("租房合同", EvidenceKind.BANK_STATEMENT)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"kind": "x"}, "kind"), ({"supports": HardshipReason.ILLNESS}, "supports"), ({"note": "长" * 2001}, "note")],
    )
    def test_update_refused(self, case, fields, field):
        evidence = services.evidence_create(case=case, kind=EvidenceKind.OTHER)
        assert_refused(field, services.evidence_update, evidence=evidence, **fields)

    def test_positions_stay_without_gaps_after_delete(self, case, django_capture_on_commit_callbacks):
        items = [services.evidence_create(case=case, kind=EvidenceKind.OTHER, title=str(n)) for n in range(1, 6)]
        other = make_case(case.owner, title="另一个")
        elsewhere = services.evidence_create(case=other, kind=EvidenceKind.OTHER)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            services.evidence_delete(evidence=items[1])
            services.evidence_delete(evidence=items[3])
        assert callbacks == []  # no file, nothing to remove from storage
        titles = list(Evidence.objects.filter(case=case).order_by("position").values_list("title", "position"))
        assert titles == [("1", 1), ("3", 2), ("5", 3)]
        assert Evidence.objects.get(pk=elsewhere.pk).position == 1
        services.evidence_delete(evidence=Evidence.objects.get(case=case, title="1"))
        assert positions(case) == [1, 2]

    def test_delete_of_a_referenced_item_keeps_the_agreement(self, case, debt):
        signed = give_file(services.evidence_create(case=case, kind=EvidenceKind.SIGNED_AGREEMENT))
        agreement = make_agreement(case, [debt], signed_copy=signed)
        services.evidence_delete(evidence=signed)
        agreement.refresh_from_db()
        assert agreement.signed_copy is None


EVIDENCE_PAIRS = [(old, new) for old in EvidenceStatus.values for new in EvidenceStatus.values]
LEGAL_EVIDENCE_PAIRS = [(old, new) for old, new in EVIDENCE_PAIRS if new in EVIDENCE_TRANSITIONS[old]]
ILLEGAL_EVIDENCE_PAIRS = [(old, new) for old, new in EVIDENCE_PAIRS if new not in EVIDENCE_TRANSITIONS[old]]
UPLOAD_PAIRS = [(old, new) for old, new in LEGAL_EVIDENCE_PAIRS if new != EvidenceStatus.MISSING]


class TestRecordings:
    """Only the call record takes a call recording; it is stored byte for byte and counts against the limits."""

    @pytest.fixture
    def call_record(self, case) -> Evidence:
        return services.evidence_create(case=case, kind=EvidenceKind.CALL_RECORD)

    def test_a_call_record_keeps_a_recording_as_it_came(self, call_record, media):
        original = recordings.amr()
        [stored] = upload(call_record, recordings.upload("Call_95188.amr"))
        row = EvidenceFile.objects.get(pk=stored.pk)
        assert (row.content_type, row.extension, row.pages, row.thumbnail.name) == ("audio/amr", "amr", 0, "")
        assert (row.is_recording, row.plays_in_browser, row.download_name) == (True, False, "Call_95188.amr")
        assert (media / row.file.name).read_bytes() == original and row.size == len(original)
        assert Evidence.objects.get(pk=call_record.pk).status == EvidenceStatus.UPLOADED
        assert services.case_evidence_bytes(call_record.case) == len(original)
        assert limits.user_evidence_bytes(call_record.case.owner_id) == len(original)

    def test_screenshots_and_recordings_go_together(self, call_record, media):
        upload(call_record, photo("短信截图.jpg"), recordings.upload("新录音.m4a", recordings.m4a))
        types = list(call_record.files.order_by("position").values_list("content_type", flat=True))
        assert types == ["image/jpeg", "audio/mp4"]

    @pytest.mark.parametrize("kind", [EvidenceKind.ID_CARD, EvidenceKind.SIGNED_AGREEMENT, EvidenceKind.OTHER])
    def test_another_kind_refuses_a_recording_and_stores_nothing(self, case, media, kind):
        item = services.evidence_create(case=case, kind=kind)
        messages = assert_refused("files", services.evidence_upload, evidence=item, files=[recordings.upload()])
        assert messages == [
            "“通话录音.amr”没有保存：这是一段录音。录音只能上传到“通话录音或短信截图”这一项，或者在记沟通时附上。"
        ]
        assert not EvidenceFile.objects.exists() and not list(media.rglob("*.*"))

    def test_the_case_limit_counts_recordings(self, call_record, media, monkeypatch):
        upload(call_record, recordings.upload("第一通.mp3", recordings.mp3))
        monkeypatch.setattr(uploads, "MAX_CASE_BYTES", services.case_evidence_bytes(call_record.case) + 1000)
        second = recordings.upload("第二通.wav", recordings.wav)
        assert len(second) > 1000
        messages = assert_refused("files", services.evidence_upload, evidence=call_record, files=[second])
        assert messages[0].startswith("一个案件的材料合计不能超过")
        assert call_record.files.count() == 1

    def test_the_account_limit_counts_recordings(self, call_record, media, monkeypatch):
        upload(call_record, recordings.upload("第一通.mp3", recordings.mp3))
        monkeypatch.setattr(limits, "MAX_USER_BYTES", limits.user_evidence_bytes(call_record.case.owner_id) + 1000)
        second = recordings.upload("第二通.wav", recordings.wav)
        messages = assert_refused("files", services.evidence_upload, evidence=call_record, files=[second])
        assert messages[0].startswith("您所有案件的材料合计不能超过")
        assert call_record.files.count() == 1

    def test_a_recording_may_replace_a_screenshot_of_the_call_record(self, call_record, media):
        [screenshot] = upload(call_record, photo("短信截图.jpg"))
        replaced = services.evidence_file_replace(evidence_file=screenshot, upload=recordings.upload())
        assert (replaced.pk, replaced.content_type, replaced.pages) == (screenshot.pk, "audio/amr", 0)

    def test_a_recording_may_not_replace_a_photo_elsewhere(self, case, media):
        id_card = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
        [stored] = upload(id_card, photo())
        before = EvidenceFile.objects.get(pk=stored.pk)
        messages = assert_refused(
            "files", services.evidence_file_replace, evidence_file=stored, upload=recordings.upload()
        )
        assert "这是一段录音" in messages[0]
        assert EvidenceFile.objects.get(pk=stored.pk).file.name == before.file.name

    def test_an_item_holding_a_recording_keeps_its_kind(self, call_record, media):
        [stored] = upload(call_record, recordings.upload())
        messages = assert_refused("kind", services.evidence_update, evidence=call_record, kind=EvidenceKind.OTHER)
        assert messages == ["这项材料里有通话录音，只有“通话录音或短信截图”可以保存录音。请先删掉录音，再改类型。"]
        services.evidence_update(evidence=call_record, title="95188 第一次")  # other changes are fine
        services.evidence_file_delete(evidence_file=stored)
        services.evidence_update(evidence=call_record, kind=EvidenceKind.OTHER)
        assert Evidence.objects.get(pk=call_record.pk).kind == EvidenceKind.OTHER

    def test_a_kind_changed_after_the_check_still_refuses_the_recording(self, call_record, media):
        """The kind is read again under the item's lock: a change between the check and the write is seen."""
        stale = Evidence.objects.get(pk=call_record.pk)
        services.evidence_update(evidence=call_record, kind=EvidenceKind.OTHER)
        messages = assert_refused("files", services.evidence_upload, evidence=stale, files=[recordings.upload()])
        assert messages == ["录音只能上传到“通话录音或短信截图”这一项，或者在记沟通时附上。"]
        assert not EvidenceFile.objects.exists() and not list(media.rglob("*.*"))


class TestEvidenceSetStatus:
    @pytest.fixture
    def evidence(self, case) -> Evidence:
        return services.evidence_create(case=case, kind=EvidenceKind.STATEMENT)

    @pytest.mark.parametrize(("old", "new"), LEGAL_EVIDENCE_PAIRS, ids=pair_ids(LEGAL_EVIDENCE_PAIRS, "->"))
    def test_legal_transitions(self, evidence, old, new):
        give_file(evidence, status=old)
        on = today() - timedelta(days=2)
        services.evidence_set_status(evidence=evidence, status=new, on=on, note=" 已发邮件 ")
        stored = Evidence.objects.get(pk=evidence.pk)
        assert (stored.status, stored.status_changed_on, stored.note) == (new, on, "已发邮件")
        assert (evidence.status, evidence.status_changed_on) == (new, on)

    def test_date_defaults_to_today(self, evidence):
        give_file(evidence, status=EvidenceStatus.UPLOADED)
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT)
        assert Evidence.objects.get(pk=evidence.pk).status_changed_on == today()

    @pytest.mark.parametrize(("old", "new"), ILLEGAL_EVIDENCE_PAIRS, ids=pair_ids(ILLEGAL_EVIDENCE_PAIRS, "->"))
    def test_illegal_transitions(self, evidence, old, new):
        give_file(evidence, status=old)
        messages = assert_refused("status", services.evidence_set_status, evidence=evidence, status=new)
        assert messages == [f"材料不能从“{EvidenceStatus(old).label}”直接变为“{EvidenceStatus(new).label}”。"]

    @pytest.mark.parametrize(("old", "new"), UPLOAD_PAIRS, ids=pair_ids(UPLOAD_PAIRS, "->"))
    def test_no_file_past_missing(self, evidence, old, new):
        Evidence.objects.filter(pk=evidence.pk).update(status=old)
        messages = assert_refused("status", services.evidence_set_status, evidence=evidence, status=new)
        assert messages == ["请先上传这份材料的文件。"]

    def test_a_status_cannot_predate_the_previous_one(self, evidence):
        give_file(evidence, status=EvidenceStatus.UPLOADED)
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.SENT, on=today() - timedelta(days=3))
        messages = assert_refused(
            "status_changed_on",
            services.evidence_set_status,
            evidence=evidence,
            status=EvidenceStatus.ACCEPTED,
            on=today() - timedelta(days=5),
        )
        assert messages == [f"日期不能早于上一次的状态日期（{(today() - timedelta(days=3)).isoformat()}）。"]
        assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.SENT
        services.evidence_set_status(evidence=evidence, status=EvidenceStatus.ACCEPTED, on=today() - timedelta(days=3))
        assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.ACCEPTED

    @pytest.mark.parametrize("status", ["lost", ""])
    def test_unknown_status(self, evidence, status):
        give_file(evidence)
        assert assert_refused("status", services.evidence_set_status, evidence=evidence, status=status) == [
            "未知的材料状态。"
        ]


# --- Stored files -----------------------------------------------------------------------------------------------


class TestStorageSweepOrphans:
    def test_removes_only_old_files_no_row_names(self, settings, tmp_path, case):
        settings.MEDIA_ROOT = tmp_path
        evidence = services.evidence_create(case=case, kind=EvidenceKind.ID_CARD)
        [stored] = upload(evidence)
        document = make_document(case, 1)
        old_orphan = tmp_path / "evidence" / "dead.jpg"
        fresh_orphan = tmp_path / "evidence" / "just-written.jpg"
        old_thumbnail = tmp_path / "evidence" / "thumbnails" / "dead.jpg"
        for path in (old_orphan, fresh_orphan, old_thumbnail):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"x")
        day_ago = (timezone.now() - timedelta(days=1)).timestamp()
        for path in (old_orphan, old_thumbnail, Path(stored.file.path), Path(document.file.path)):
            os.utime(path, (day_ago, day_ago))

        assert services.storage_sweep_orphans() == 2

        assert not old_orphan.exists() and not old_thumbnail.exists()
        assert fresh_orphan.exists()  # may belong to an upload whose row is about to be committed
        assert Path(stored.file.path).exists() and Path(document.file.path).exists()

    def test_an_empty_storage_is_fine(self, settings, tmp_path, db):
        settings.MEDIA_ROOT = tmp_path / "nothing-yet"
        assert services.storage_sweep_orphans() == 0
