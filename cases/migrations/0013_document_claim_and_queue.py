from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_contact_lender_and_status_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="generateddocument",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=64, verbose_name="认领的任务"),
        ),
        migrations.AddField(
            model_name="generateddocument",
            name="queued",
            field=models.BooleanField(default=True, verbose_name="已排队"),
        ),
    ]
