"""Every debt belongs to a lender, once 0006 has given each existing debt one.

Its own migration: PostgreSQL refuses to alter a table in the transaction that has just updated its rows.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_creditors"),
    ]

    operations = [
        migrations.AlterField(
            model_name="debt",
            name="creditor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="debts",
                to="cases.creditor",
                verbose_name="平台或银行",
            ),
        ),
    ]
