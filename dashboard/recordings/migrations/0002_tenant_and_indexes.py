import django.db.models.deletion
from django.db import migrations, models


def fill_tenant(apps, schema_editor):
    Recording = apps.get_model("recordings", "Recording")
    for recording in Recording.objects.select_related("channel__app__vendor_account").iterator():
        recording.tenant_id = recording.channel.app.vendor_account.tenant_id
        recording.save(update_fields=["tenant"])


class Migration(migrations.Migration):
    dependencies = [
        ("recordings", "0001_initial"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="recording",
            name="tenant",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.tenant"
            ),
        ),
        migrations.RunPython(fill_tenant, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="recording",
            name="tenant",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.tenant"),
        ),
        migrations.AddIndex(
            model_name="recording",
            index=models.Index(fields=["tenant", "-started_at"], name="recording_newest"),
        ),
        migrations.AddIndex(
            model_name="recording",
            index=models.Index(fields=["tenant", "state", "file_count"], name="recording_by_state"),
        ),
    ]
