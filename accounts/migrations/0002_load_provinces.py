from django.db import migrations


def load_provinces(apps, schema_editor):
    from accounts.regions import PROVINCES

    Province = apps.get_model("accounts", "Province")
    for code, name_zh, name_en in PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name_zh": name_zh, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(load_provinces, migrations.RunPython.noop)]
