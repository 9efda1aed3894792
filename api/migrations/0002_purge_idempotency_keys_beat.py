from django.db import migrations

# Every night: the answers to Idempotency-Keys older than a day are dropped (api/tasks.py).
NAME = "Purge old API idempotency keys"


def forward(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="4", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "api.tasks.purge_idempotency_keys", "crontab": schedule}
    )


def backward(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_idempotency_keys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forward, backward)]
