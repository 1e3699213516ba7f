from django.db import migrations

# The sandbox's models now belong to the nested app distributions.sandbox (label "sandbox"),
# which took them into its state with their tables (sandbox.0001). Only the state changes here.


class Migration(migrations.Migration):
    dependencies = [
        ("distributions", "0007_audit_completed"),
        ("sandbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="SimulatedDistribution"),
                migrations.DeleteModel(name="SimulatedInvalidation"),
                migrations.DeleteModel(name="SimulatedCertificate"),
                migrations.DeleteModel(name="EdgeInvalidation"),
                migrations.DeleteModel(name="EdgeUsage"),
            ],
        ),
    ]
