"""Drop what 0009 moved elsewhere (source dates, estimate sources) and require a parent for
every place below a country now that 0009 gave each one."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("incidents", "0009_places_claims_data")]

    operations = [
        migrations.RemoveField(
            model_name='estimate',
            name='claim',
        ),
        migrations.RemoveField(
            model_name='estimate',
            name='source',
        ),
        migrations.RemoveField(
            model_name='historicalestimate',
            name='claim',
        ),
        migrations.RemoveField(
            model_name='historicalestimate',
            name='source',
        ),
        migrations.RemoveField(
            model_name='historicalsource',
            name='published_on',
        ),
        migrations.RemoveField(
            model_name='source',
            name='published_on',
        ),
        migrations.AddConstraint(
            model_name='location',
            constraint=models.CheckConstraint(condition=models.Q(('parent__isnull', False), ('kind__in', ['region', 'country']), _connector='OR'), name='location_has_parent', violation_error_message='Only regions and countries stand on their own.'),
        ),
    ]
