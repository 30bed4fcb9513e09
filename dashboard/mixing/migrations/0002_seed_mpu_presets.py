from django.db import migrations


def seed(apps, schema_editor):
    from vendors import registry

    MpuPreset = apps.get_model("mixing", "MpuPreset")
    presets = [preset for info in registry.mixers() for preset in info.mixer.presets.values()]
    for preset in presets:
        MpuPreset.objects.get_or_create(
            layout_id=preset.layout_id, defaults={"name": preset.name, "boxes": [list(box) for box in preset.boxes]}
        )


class Migration(migrations.Migration):
    dependencies = [("mixing", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
