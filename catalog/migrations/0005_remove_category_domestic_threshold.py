# The per-category thresholds live on as domestic-product rules (0004).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0004_domestic_product_rule"),
    ]

    operations = [
        migrations.RemoveField(
            model_name='category',
            name='domestic_threshold',
        ),
    ]
