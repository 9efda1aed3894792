from django.db import migrations

# Every night: the consumption partitions of this month and the next three exist (finance/partitions.py).
NAME = "Create the consumption partitions ahead"


def forward(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/Moscow"
    )
    PeriodicTask.objects.get_or_create(
        name=NAME, defaults={"task": "finance.tasks.create_consumption_partitions", "crontab": schedule}
    )


def backward(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0023_consumption_partitioned_by_month"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forward, backward)]
