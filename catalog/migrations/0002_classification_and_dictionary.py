"""Load the classification table and the specification dictionary from catalog/data/classification.py."""

from decimal import Decimal

from django.db import migrations


def load(apps, schema_editor):
    from catalog.data.classification import CATEGORIES, DOMESTIC_THRESHOLDS, PARAMETERS

    Category = apps.get_model("catalog", "Category")
    Parameter = apps.get_model("catalog", "Parameter")
    by_code = {}
    for order, (code, parent_code, name_zh, name_en, cpv, hs) in enumerate(CATEGORIES):
        parent = by_code[parent_code] if parent_code else None
        threshold = DOMESTIC_THRESHOLDS.get(code)
        category, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "parent": parent,
                "path": f"{parent.path}/{code}" if parent else code,
                "depth": parent.depth + 1 if parent else 0,
                "name_zh": name_zh,
                "name_en": name_en,
                "cpv_code": cpv,
                "hs_code": hs,
                "domestic_threshold": Decimal(threshold) if threshold else None,
                "sort_order": order,
            },
        )
        by_code[code] = category
    for code, parameters in PARAMETERS.items():
        for order, (key, name_zh, name_en, unit, value_type, better, low, high, choices) in enumerate(parameters):
            Parameter.objects.update_or_create(
                category=by_code[code],
                key=key,
                defaults={
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "unit": unit,
                    "value_type": value_type,
                    "better": better,
                    "min_value": low,
                    "max_value": high,
                    "choices": choices,
                    "sort_order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
