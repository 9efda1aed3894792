"""The referral program's models, until now finance's: the tables exist already (``finance_referral…``), so
only Django's state learns them here; their content types (and so permissions and admin history) move
with them."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ("referrallink", "referralclick", "referralinvitation", "referredcustomer")


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="finance", model__in=MODELS).update(app_label="referral")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="referral", model__in=MODELS).update(app_label="finance")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('finance', '0028_deal_usage'),
        ('accounts', '0002_alter_account_country_alter_account_tax_id_and_more'),
        ('profiles', '0002_security_and_counted_services'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ReferralLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.SlugField(unique=True)),
                        ('name', models.CharField(default='', help_text='for you, e.g. the campaign', max_length=100, verbose_name='name')),
                        ('landing_url', models.URLField(blank=True, default='', verbose_name='landing page')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('deactivated_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('partner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='referral_links', to='profiles.partner')),
                    ],
                    options={
                        'db_table': 'finance_referrallink',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ReferredCustomer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('signed_up_at', models.DateField()),
                        ('consent_at', models.DateTimeField(blank=True, help_text='when the customer agreed to the partner seeing their consumption', null=True)),
                        ('account', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='referral', to='accounts.account')),
                        ('link', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='customers', to='referral.referrallink')),
                    ],
                    options={
                        'db_table': 'finance_referredcustomer',
                    },
                ),
                migrations.CreateModel(
                    name='ReferralInvitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, verbose_name='email')),
                        ('message', models.TextField(blank=True, verbose_name='message')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('sent_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('link', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='referral.referrallink')),
                    ],
                    options={
                        'db_table': 'finance_referralinvitation',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['link', 'created_at'], name='finance_ref_link_id_60cfc7_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='ReferralClick',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('visitor', models.CharField(default='', max_length=32)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('link', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='clicks', to='referral.referrallink')),
                    ],
                    options={
                        'db_table': 'finance_referralclick',
                        'indexes': [models.Index(fields=['link', 'visitor', 'created_at'], name='finance_ref_link_id_ce1709_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
