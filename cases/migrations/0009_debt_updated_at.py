import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_document_creditor"),
    ]

    operations = [
        # Existing debts are dated by when they were entered.
        migrations.AddField(
            model_name="debt",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="更新时间"),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "UPDATE cases_debt SET updated_at = created_at",
            migrations.RunSQL.noop,
        ),
    ]
