from django.db import migrations, models

PREFIX = "Invitation sent to "


def move_addresses_out_of_reasons(apps, schema_editor):
    """Earlier history wrote the customer's address into the reason; it moves to ``recipient`` (masked by
    role), leaving the reason as the words the portal writes today."""
    SubaccountEvent = apps.get_model("subaccounts", "SubaccountEvent")
    for event in SubaccountEvent.objects.filter(reason__startswith=PREFIX, recipient=""):
        event.recipient = event.reason[len(PREFIX) :].strip()[:254]
        event.reason = "Invitation sent"
        event.save(update_fields=["recipient", "reason"])


def put_addresses_back(apps, schema_editor):
    SubaccountEvent = apps.get_model("subaccounts", "SubaccountEvent")
    for event in SubaccountEvent.objects.filter(reason="Invitation sent").exclude(recipient=""):
        event.reason = PREFIX + event.recipient
        event.save(update_fields=["reason"])


class Migration(migrations.Migration):
    dependencies = [
        ("subaccounts", "0002_subaccount_created_by_subaccount_invitation_nonce_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="subaccountevent",
            name="recipient",
            field=models.EmailField(blank=True, max_length=254, verbose_name="recipient"),
        ),
        migrations.RunPython(move_addresses_out_of_reasons, put_addresses_back),
    ]
