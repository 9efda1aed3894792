"""The referral program's four models moved to the referral app: finance forgets them, the tables stay (the
referral app's first migration takes them over under the same names)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0028_deal_usage'),
        ('referral', '0001_referral_moves_to_its_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='referralinvitation',
                    name='link',
                ),
                migrations.RemoveField(
                    model_name='referralinvitation',
                    name='sent_by',
                ),
                migrations.RemoveField(
                    model_name='referrallink',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='referrallink',
                    name='partner',
                ),
                migrations.RemoveField(
                    model_name='referredcustomer',
                    name='link',
                ),
                migrations.RemoveField(
                    model_name='referredcustomer',
                    name='account',
                ),
                migrations.DeleteModel(
                    name='ReferralClick',
                ),
                migrations.DeleteModel(
                    name='ReferralInvitation',
                ),
                migrations.DeleteModel(
                    name='ReferralLink',
                ),
                migrations.DeleteModel(
                    name='ReferredCustomer',
                ),
            ],
        ),
    ]
