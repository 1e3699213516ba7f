from django.core.management.base import BaseCommand

from distributions.cli import acting_user, add_user_option, fail
from distributions.cloudfront import patterns
from distributions.cloudfront.config import POLICY_LABELS
from distributions.fleet.models import BulkChange, BulkChangeState
from distributions.fleet.plan import build_plan, candidate_ids
from distributions.fleet.posture import default_exclusions
from distributions.fleet.runner import COMMAND_LINE, acting_author, apply_plan, tally
from distributions.models import Team


def exit_status(done, skipped):
    """0 everything applied, 1 something skipped, 2 nothing could be done."""
    if not skipped:
        return 0
    return 1 if done else 2


class Command(BaseCommand):
    help = (
        "Require HTTPS on every behavior that allows HTTP, across many distributions: one reviewed change per "
        "distribution, pushed with the ETag it was reviewed on. Exit 0 all applied, 1 some skipped, 2 nothing done."
    )

    def add_arguments(self, parser):
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument(
            "--all", action="store_true", help="every visible distribution with a behavior allowing HTTP"
        )
        scope.add_argument("--distribution", nargs="+", metavar="ID", help="these distributions")
        scope.add_argument("--team", metavar="NAME", help="this team's distributions")
        scope.add_argument(
            "--resume", type=int, metavar="BULK_ID",
            help="go on with a stopped bulk change (e.g. after throttling): only its distributions without a result",
        )  # fmt: skip
        parser.add_argument("--policy", choices=("redirect-to-https", "https-only"), default="redirect-to-https")
        parser.add_argument(
            "--exclude", nargs="+", default=[], metavar="PATTERN",
            help="more path patterns that must stay reachable over HTTP (added to CONSOLE_HTTP_EXCLUSIONS)",
        )  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
        parser.add_argument(
            "--acknowledge-errors", action="store_true", help="push even where the change adds checklist errors"
        )
        add_user_option(parser)

    def handle(self, *args, policy, exclude, dry_run, acknowledge_errors, user=None, **options):
        user = acting_user(user)
        if options["resume"] is not None:
            return self.resume(options["resume"], user, dry_run)
        for pattern in exclude:
            if patterns.pattern_error(pattern):
                raise fail(f"--exclude {pattern!r}: {patterns.pattern_error(pattern)}", returncode=2)
        exclusions = list(dict.fromkeys(default_exclusions() + exclude))
        if options["team"] and not Team.objects.filter(name=options["team"]).exists():
            raise fail(f"No team is named {options['team']!r}.", returncode=2)
        ids = options["distribution"] or candidate_ids(user, options["team"])
        plan = build_plan(user, ids, policy, exclusions)
        self.write_plan(plan, policy, exclusions)
        changes = [e for e in plan if e["patterns"] and not e["error"]]
        if dry_run:
            errors = sum(1 for e in plan if e["error"])
            raise SystemExit(exit_status(len(changes), errors) if errors else 0)
        if not changes:
            self.stdout.write("Nothing to change." if not any(e["error"] for e in plan) else "Nothing could be done.")
            raise SystemExit(2 if any(e["error"] for e in plan) else 0)
        acknowledged = [
            f"{e['id']}|{fid}" for e in changes for fid in e["review"]["acknowledgeable"]
        ] if acknowledge_errors else []  # fmt: skip
        bulk = BulkChange.objects.create(
            author=user, username=user.get_username() if user else COMMAND_LINE, policy=policy,
            exclusions=exclusions, plan=plan, confirmed=True, acknowledged=acknowledged,
        )  # fmt: skip
        self.stdout.write(f"\nApplying {bulk.reference} ({len(changes)} distributions):")
        self.apply(bulk, user)

    def apply(self, bulk, user):
        """Apply the pending entries, print each result and the tally, exit with the status."""
        apply_plan(bulk, user, progress=self.write_result)
        done, skipped = tally(bulk)
        self.stdout.write(f"{bulk.reference}: {done} applied or submitted, {skipped} skipped.")
        if bulk.state == BulkChangeState.STOPPED:
            left = len(bulk.pending)
            self.stdout.write(
                f"Stopped with {left} distribution{'s' if left != 1 else ''} left: "
                f"resume with `manage.py require_https --resume {bulk.pk}`."
            )
        raise SystemExit(exit_status(done, skipped))

    def resume(self, bulk_id, user, dry_run):
        """Go on with a stored plan as its author, with the ETags it was reviewed on."""
        bulk = BulkChange.objects.filter(pk=bulk_id).first()
        if bulk is None:
            raise fail(f"No bulk change has the ID {bulk_id}.", returncode=2)
        try:
            author = acting_author(bulk)
        except PermissionError as exc:
            raise fail(str(exc), returncode=2) from None
        if getattr(author, "pk", None) != getattr(user, "pk", None):
            who = author.get_username() if author else "the command line without --user"
            raise fail(f"{bulk.reference} was planned by {who}; only they may resume it.", returncode=2)
        # Also after a crash left it "being applied": two runs cannot both push one distribution,
        # the second's IfMatch is stale and it finds the change already applied.
        self.write_plan(bulk.pending, bulk.policy, bulk.exclusions)
        if dry_run:
            raise SystemExit(0)
        if not bulk.confirmed:  # planned on the page, never applied: running this command is the confirmation
            BulkChange.objects.filter(pk=bulk.pk).update(confirmed=True)
            bulk.confirmed = True
        self.stdout.write(f"\nResuming {bulk.reference} ({len(bulk.pending)} distributions):")
        self.apply(bulk, user)

    def write_result(self, entry, result):
        self.stdout.write(f"{entry['id']}: {result['status'].upper()} {result['message']}")

    def write_plan(self, plan, policy, exclusions):
        """The plan as a reviewer reads it: per distribution, what changes and what does not."""
        write = self.stdout.write
        write(f"Plan: require HTTPS with {POLICY_LABELS[policy]} ({policy}) on {len(plan)} distributions.")
        write(f"Excluded path patterns (stay reachable over HTTP): {', '.join(exclusions) or 'none'}")
        for entry in plan:
            write(f"\n== {entry['id']} (ETag {entry['etag'] or '-'}) ==")
            if entry["error"]:
                write(f"SKIPPED {entry['error']}")
                continue
            if not entry["patterns"]:
                write("Nothing to change.")
            for item in entry["answers"]:
                write(f"CHANGE {item['path_pattern']}: " + "; ".join(item["answers"]))
            for item in entry["excluded"]:
                write(f"EXCLUDED {item['path_pattern']} (matches {item['exclusion']}): stays HTTP and HTTPS")
            for item in entry["writes"]:
                write(f"FLAG {item['message']}")
            for pattern in entry["shadowed"]:
                write(f"NOTE {pattern} is never used (shadowed); changed for the audit only")
            for note in entry["notes"]:
                write(f"NOTE {note}")
            self.write_review(entry["review"])

    def write_review(self, review):
        if not review:
            return
        for finding in review["added"]:
            write_line = f"ADDS {finding['severity'].upper()} {finding['code']}: {finding['message']}"
            self.stdout.write(write_line)
        for finding in review["removed"]:
            self.stdout.write(f"RESOLVES {finding['code']} [{finding['path_pattern'] or finding['origin_id'] or '-'}]")
        for path, before, after in review["moved"]:
            self.stdout.write(f"MOVES {path}: {before} -> {after}")
