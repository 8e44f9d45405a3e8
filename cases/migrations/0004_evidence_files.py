import django.db.models.deletion
import uuid
from django.db import migrations, models


def carry_files_over(apps, schema_editor):
    """An item that held one file now holds a list of files: its file becomes the first of the list; its status,
    with its date and note, becomes the first entry of its history."""
    Evidence = apps.get_model("cases", "Evidence")
    EvidenceFile = apps.get_model("cases", "EvidenceFile")
    EvidenceEvent = apps.get_model("cases", "EvidenceEvent")
    for item in Evidence.objects.exclude(status="missing").exclude(status_changed_on=None).iterator():
        EvidenceEvent.objects.create(evidence=item, status=item.status, on=item.status_changed_on, note=item.note)
    for item in Evidence.objects.exclude(file="").iterator():
        EvidenceFile.objects.create(
            evidence=item,
            file=item.file.name,
            original_name=item.original_name or item.file.name.rsplit("/", 1)[-1],
            content_type=item.content_type or "application/octet-stream",
            size=item.size,
            upload_checksum="",
            position=1,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_document_language"),
    ]

    operations = [
        migrations.CreateModel(
            name="EvidenceFile",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.UUIDField(default=uuid.uuid4, editable=False, unique=True, verbose_name="编号")),
                ("file", models.FileField(max_length=200, upload_to="", verbose_name="文件")),
                ("thumbnail", models.FileField(blank=True, max_length=200, upload_to="", verbose_name="缩略图")),
                ("original_name", models.CharField(max_length=255, verbose_name="原文件名")),
                ("content_type", models.CharField(max_length=100, verbose_name="文件类型")),
                ("size", models.PositiveBigIntegerField(verbose_name="大小（字节）")),
                ("upload_checksum", models.CharField(max_length=64, verbose_name="上传时的 SHA-256")),
                ("pages", models.PositiveIntegerField(default=1, verbose_name="页数")),
                ("position", models.PositiveIntegerField(default=0, verbose_name="顺序")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="上传时间")),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="files",
                        to="cases.evidence",
                        verbose_name="证明材料",
                    ),
                ),
            ],
            options={
                "verbose_name": "材料文件",
                "verbose_name_plural": "材料文件",
                "ordering": ["evidence", "position", "id"],
            },
        ),
        migrations.CreateModel(
            name="EvidenceEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("missing", "待上传"),
                            ("uploaded", "已上传"),
                            ("sent", "已提交给平台"),
                            ("accepted", "平台已认可"),
                            ("rejected", "平台未认可"),
                        ],
                        max_length=20,
                        verbose_name="状态",
                    ),
                ),
                ("on", models.DateField(verbose_name="日期")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="备注")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="记录时间")),
                (
                    "evidence",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="cases.evidence",
                        verbose_name="证明材料",
                    ),
                ),
            ],
            options={
                "verbose_name": "材料状态记录",
                "verbose_name_plural": "材料状态记录",
                "ordering": ["evidence", "created_at", "id"],
            },
        ),
        migrations.RunPython(carry_files_over, migrations.RunPython.noop),
        migrations.AddField(
            model_name="case",
            name="documents_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="文书内容更新时间"),
        ),
        migrations.AddField(
            model_name="evidence",
            name="from_checklist",
            field=models.BooleanField(default=False, verbose_name="清单自动添加"),
        ),
        migrations.RemoveField(
            model_name="evidence",
            name="content_type",
        ),
        migrations.RemoveField(
            model_name="evidence",
            name="file",
        ),
        migrations.RemoveField(
            model_name="evidence",
            name="original_name",
        ),
        migrations.RemoveField(
            model_name="evidence",
            name="size",
        ),
    ]
