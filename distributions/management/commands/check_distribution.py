import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from distributions import publish
from distributions.backends.base import BackendError, get_backend
from distributions.cloudfront import checklist, documents
from distributions.cloudfront.certificates import certificate_reference


def unusable(message):
    """Exit status 2, one line: 1 is taken by "the checklist found errors"."""
    return CommandError(" ".join(str(message).split()), returncode=2)


def is_file_argument(argument):
    return os.path.exists(argument) or argument.endswith(".json")


def read_config(name):
    """The DistributionConfig in a file as get-distribution-config or get-distribution prints it, or bare,
    read with import_distribution's limits; members botocore's model does not know are left for the
    checklist (a file exported with a newer AWS CLI may hold some)."""
    try:
        return documents.read_distribution_config(name, strict=False)[0]
    except OSError as exc:
        raise unusable(f"{name}: cannot read: {exc.strerror}") from None
    except documents.DocumentError as exc:
        raise unusable(f"{name}: {exc.line}") from None


def fetch_config(distribution_id):
    """The distribution's config and the names its custom certificate covers (None when the backend
    does not hold the certificate), as the General page checks it."""
    try:
        config = publish.export_distribution(distribution_id)["DistributionConfig"]
        return config, get_backend().certificate_names(certificate_reference(config))
    except BackendError as exc:
        raise unusable(f"{distribution_id}: {exc.code}: {exc.message}") from None
    except DatabaseError as exc:  # the simulator's tables: e.g. `migrate` never ran
        raise unusable(f"{distribution_id}: cannot read the simulator's database: {exc}") from None


def plural(count, word):
    return f"{count} {word}" if count == 1 or word == "info" else f"{count} {word}s"


class Command(BaseCommand):
    help = (
        "Run the step-7 checklist (path patterns, order, origins, certificates) on distributions "
        "given by ID or as JSON files in the shape `aws cloudfront get-distribution-config` prints. "
        "Exit status: 0 no errors, 1 errors found, 2 unusable input."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "sources", nargs="+", metavar="ID|FILE.json",
            help="a distribution ID, or a file (an existing path or any name ending in .json)",
        )  # fmt: skip
        parser.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, sources, format, **options):
        # Read every source before printing anything: unusable input gives one
        # line and exit 2, never half a report.
        checked = []
        for source in sources:
            # A file names no certificate this console holds: its aliases' coverage is not checked.
            config, names = (read_config(source), None) if is_file_argument(source) else fetch_config(source)
            problem = checklist.shape_error(config)
            if problem:
                raise unusable(f"{source}: {problem}")
            checked.append((source, checklist.check(config, certificate_names=names)))

        if format == "json":
            rows = [{**finding.as_dict(), "source": source} for source, findings in checked for finding in findings]
            self.stdout.write(json.dumps(rows, indent=2))
        else:
            self.write_text(checked)

        if any(f.severity == checklist.ERROR for _, findings in checked for f in findings):
            raise SystemExit(1)

    def write_text(self, checked):
        for index, (source, findings) in enumerate(checked):
            if index:
                self.stdout.write("")
            self.stdout.write(f"== {source} ==")
            for finding in findings:
                subject = finding.path_pattern or finding.alias or finding.origin_id
                where = f" [{subject}]" if subject else ""
                self.stdout.write(f"{finding.severity.upper()} {finding.code}{where}: {finding.message}")
            counts = {
                s: sum(f.severity == s for f in findings) for s in (checklist.ERROR, checklist.WARNING, checklist.INFO)
            }
            self.stdout.write(
                f"{source}: {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
                f"{plural(counts['info'], 'info')}"
            )
