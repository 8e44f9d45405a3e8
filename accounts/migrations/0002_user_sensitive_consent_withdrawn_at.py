from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="sensitive_consent_withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤回同意时间"),
        ),
    ]
