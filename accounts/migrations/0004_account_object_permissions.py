"""The per-account grants move to tables with a real foreign key to the account (django-guardian's direct
foreign keys), the grants made before with them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _move(apps, source_app, source_model, target_model, holder) -> None:
    """Every grant on an account from django-guardian's generic table ``source_model`` into the account's
    direct one ``target_model`` (the same holder, permission and account), then off the generic table."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Account = apps.get_model("accounts", "Account")
    source = apps.get_model(source_app, source_model)
    target = apps.get_model("accounts", target_model)
    kind = ContentType.objects.filter(app_label="accounts", model="account").first()
    if kind is None:  # a new database: no grant yet
        return
    generic = source.objects.filter(content_type=kind)
    existing = set(Account.objects.values_list("pk", flat=True))
    target.objects.bulk_create(
        [
            target(**{f"{holder}_id": getattr(row, f"{holder}_id")}, permission_id=row.permission_id,
                   content_object_id=int(row.object_pk))
            for row in generic.iterator()
            if row.object_pk.isdigit() and int(row.object_pk) in existing
        ],
        ignore_conflicts=True,
    )
    generic.delete()


def forward(apps, schema_editor):
    _move(apps, "guardian", "UserObjectPermission", "AccountUserObjectPermission", "user")
    _move(apps, "guardian", "GroupObjectPermission", "AccountGroupObjectPermission", "group")


def backward(apps, schema_editor):
    """The grants back into django-guardian's generic tables."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    kind, _ = ContentType.objects.get_or_create(app_label="accounts", model="account")
    for direct, generic, holder in (
        ("AccountUserObjectPermission", "UserObjectPermission", "user"),
        ("AccountGroupObjectPermission", "GroupObjectPermission", "group"),
    ):
        apps.get_model("guardian", generic).objects.bulk_create(
            [
                apps.get_model("guardian", generic)(
                    **{f"{holder}_id": getattr(row, f"{holder}_id")}, permission_id=row.permission_id,
                    content_type=kind, object_pk=str(row.content_object_id),
                )
                for row in apps.get_model("accounts", direct).objects.iterator()
            ],
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_trigram_search'),
        ('auth', '0012_alter_user_first_name_max_length'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
        ('guardian', '0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more'),
    ]

    operations = [
        migrations.CreateModel(
            name='AccountGroupObjectPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='accounts.account')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
            ],
            options={
                'verbose_name': 'account permission of a group',
                'abstract': False,
                'unique_together': {('group', 'permission', 'content_object')},
            },
        ),
        migrations.CreateModel(
            name='AccountUserObjectPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='accounts.account')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'account permission of a user',
                'abstract': False,
                'unique_together': {('user', 'permission', 'content_object')},
            },
        ),
        migrations.RunPython(forward, backward),
    ]
