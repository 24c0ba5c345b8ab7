"""When each inbox row is next due (``next_attempt_at``), kept on the row (issue 15, item 2).

Retries and stranded rows no longer depend on a broker message: drains claim due rows and the
sweeper looks for rows due too long ago, through the partial index that replaces the one on
``received_at``. Existing rows get the migration's time: pending ones are due at once.
"""

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shopify_app', '0007_customer_shop_email_lower'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='webhookdelivery',
            name='webhook_pending_received',
        ),
        migrations.AddField(
            model_name='webhookdelivery',
            name='next_attempt_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
        ),
        migrations.AddIndex(
            model_name='webhookdelivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['next_attempt_at', 'id'], name='webhook_pending_due'),
        ),
    ]
