from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("distributions", "0004_edge")]

    operations = [
        migrations.CreateModel(
            name="SimulatedInvalidation",
            fields=[
                ("id", models.CharField(max_length=14, primary_key=True, serialize=False)),
                ("distribution_id", models.CharField(db_index=True, max_length=14)),
                ("paths", models.JSONField()),
                ("caller_reference", models.CharField(max_length=128)),
                ("status", models.CharField(max_length=16)),
                ("create_time", models.DateTimeField()),
                ("ready_at", models.DateTimeField()),
            ],
            options={"ordering": ["-create_time", "-id"]},
        ),
        migrations.AddConstraint(
            model_name="simulatedinvalidation",
            constraint=models.UniqueConstraint(
                fields=("distribution_id", "caller_reference"), name="invalidation_reference_unique"
            ),
        ),
    ]
