# Restorative justice recorded per victim, as the YJB counts it (docs/adr/0027).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0006_case_status'),
    ]

    operations = [
        migrations.AddField(
            model_name='victimlink',
            name='restorative_justice',
            field=models.CharField(choices=[('not-offered', 'Not offered yet'), ('offered', 'Offered, not taken up yet'), ('engaged', 'Engaged in restorative justice'), ('declined', 'Declined')], default='not-offered', max_length=12),
        ),
        migrations.AddField(
            model_name='victimlink',
            name='rj_recorded_on',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='victimlink',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
    ]
