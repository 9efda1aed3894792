from django.db import migrations

# Every morning, once the day is over and billing's rows are in: each partner's bucket export writes the
# finished days it owes (finance/bucket_export.py; editable in admin).
NAME = "Export the commission report to the partners' buckets"


def forward(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "finance.tasks.export_to_buckets", "crontab": schedule}
    )


def backward(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0035_bucket_export"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forward, backward)]
