from django.core.management.base import BaseCommand

from distributions import pipeline, publish
from distributions.backends.base import BackendError
from distributions.cli import acting_user, add_user_option, fail, require_rights
from distributions.cloudfront.config import POLICY_LABELS, VIEWER_PROTOCOL_POLICIES


class Command(BaseCommand):
    help = (
        "Set one cache behavior's viewer protocol policy: the same service as the console's Yes, Edit. "
        "PATH_PATTERN is as written in the config; * names the default behavior."
    )

    def add_arguments(self, parser):
        parser.add_argument("distribution_id", metavar="ID")
        parser.add_argument("path_pattern", metavar="PATH_PATTERN")
        parser.add_argument("policy", metavar="POLICY", help=", ".join(VIEWER_PROTOCOL_POLICIES))
        add_user_option(parser)
        parser.add_argument(
            "--acknowledge-errors", action="store_true", help="push even when the change adds checklist errors"
        )

    def handle(self, *args, distribution_id, path_pattern, policy, user=None, acknowledge_errors=False, **options):
        if policy not in VIEWER_PROTOCOL_POLICIES:
            raise fail(f"Unknown policy {policy!r}: use one of {', '.join(VIEWER_PROTOCOL_POLICIES)}.")
        user = acting_user(user)
        require_rights(user, distribution_id, edit=True)
        try:
            snapshot = publish.begin_edit(distribution_id)
            snapshot, edited, summary = publish.edit_viewer_protocol_policy(
                distribution_id, [path_pattern], policy, snapshot.etag
            )
        except (publish.EditError, BackendError) as exc:
            raise fail(f"{exc.code}: {exc.message}") from None
        outcome = pipeline.submit_reviewed(
            user, snapshot, edited, action="viewer-protocol-policy", summary=summary,
            acknowledged=pipeline.ACKNOWLEDGE_ALL if acknowledge_errors else (),
        )  # fmt: skip
        if outcome.status == pipeline.SUBMITTED:
            request = outcome.change_request
            self.stdout.write(f"{distribution_id}: change request #{request.pk} submitted for approval ({summary}).")
            return
        if outcome.status == pipeline.CONFLICT:
            raise fail(str(outcome.conflict))
        if outcome.status == pipeline.REFUSED and pipeline.UNACKNOWLEDGED in outcome.errors:
            added = "; ".join(f"{f.code}: {f.message}" for f in outcome.review.acknowledgeable)
            raise fail(
                f"This change adds checklist errors ({added}); run again with --acknowledge-errors to push anyway."
            )
        if outcome.status != pipeline.PUSHED:
            raise fail(" ".join(outcome.errors))
        row = outcome.row
        for problem in outcome.errors:  # pushed, but its audit entry is still pending
            self.stderr.write(f"{distribution_id}: {problem}")
        self.stdout.write(
            f"{row.id}: {path_pattern} now uses {POLICY_LABELS[policy]} ({policy}); "
            f"status {row.get_status_display()}, ETag {row.etag}."
        )
