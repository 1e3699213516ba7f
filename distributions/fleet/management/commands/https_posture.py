import csv
import json

from django.core.management.base import BaseCommand

from distributions.cli import acting_user, add_user_option, fail
from distributions.fleet.posture import behavior_note, csv_rows, fleet_posture
from distributions.models import Team


class Command(BaseCommand):
    help = (
        "Every cache behavior that still lets viewers use plain HTTP, and the fleet's other HTTPS findings, "
        "read from the mirror (run sync_distributions first for fresh answers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=("table", "json", "csv"), default="table")
        parser.add_argument("--team", metavar="NAME", help="only this team's distributions")
        add_user_option(parser)

    def handle(self, *args, format="table", team=None, user=None, **options):
        user = acting_user(user)
        if team and not Team.objects.filter(name=team).exists():
            raise fail(f"No team is named {team!r}.")
        posture = fleet_posture(user, team)
        if format == "json":
            self.stdout.write(json.dumps(posture.as_dict(), indent=2))
        elif format == "csv":
            csv.writer(self.stdout, lineterminator="\n").writerows(csv_rows(posture))
        else:
            self.write_table(posture)

    def write_table(self, posture):
        """Aligned columns for a terminal."""
        write = self.stdout.write
        write(
            f"Behaviors that let viewers use HTTP: {len(posture.behaviors)} (in {posture.distributions} distributions)"
        )
        rows = [("DISTRIBUTION", "PATH PATTERN", "ALLOWED METHODS", "ORIGIN", "ORIGIN PROTOCOL", "NOTE")]
        rows += [
            (b.distribution_id, b.path_pattern, " ".join(b.allowed_methods), b.origin_id, b.origin_protocol or "-",
             behavior_note(b) or "-")
            for b in posture.behaviors
        ]  # fmt: skip
        self.write_columns(rows)
        write(f"\nOther HTTPS findings: {len(posture.findings)}")
        self.write_columns(
            [("DISTRIBUTION", "CODE", "SUBJECT", "MESSAGE")]
            + [
                (f.distribution_id, f.code, f.path_pattern or f.alias or f.origin_id or "-", f.message)
                for f in posture.findings
            ]
        )
        write("\nBy finding: " + (", ".join(f"{code} {n}" for code, n in posture.by_code.items()) or "none"))
        teams = posture.by_team
        write(
            "By team: "
            + (", ".join(f"{t} {c['allows_http']} HTTP, {c['findings']} other" for t, c in teams.items()) or "none")
        )
        synced = posture.synced_from
        write(f"Last synced: {synced.isoformat(timespec='seconds') if synced else 'never'} (oldest mirror refresh)")

    def write_columns(self, rows):
        if len(rows) == 1:
            return
        widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, str(row[-1])]).rstrip())
