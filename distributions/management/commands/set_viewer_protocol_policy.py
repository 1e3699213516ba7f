from django.core.management.base import BaseCommand

from distributions import access, publish
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

    def handle(self, *args, distribution_id, path_pattern, policy, user=None, **options):
        if policy not in VIEWER_PROTOCOL_POLICIES:
            raise fail(f"Unknown policy {policy!r}: use one of {', '.join(VIEWER_PROTOCOL_POLICIES)}.")
        user = acting_user(user)
        require_rights(user, distribution_id, edit=True)
        try:
            snapshot = publish.begin_edit(distribution_id)
            snapshot, edited, summary = publish.edit_viewer_protocol_policy(
                distribution_id, [path_pattern], policy, snapshot.etag
            )
            if user is not None and access.approval_required(user, distribution_id):
                change = publish.submit_change(user, distribution_id, snapshot.config, snapshot.etag, edited, summary)
                self.stdout.write(f"{distribution_id}: change request #{change.pk} submitted for approval ({summary}).")
                return
            row = publish.push_config(
                distribution_id,
                snapshot.config,
                snapshot.etag,
                edited,
                action="viewer-protocol-policy",
                summary=summary,
                user=user,
            )
        except (publish.EditError, BackendError) as exc:
            raise fail(f"{exc.code}: {exc.message}") from None
        except publish.EditConflict as exc:
            raise fail(str(exc)) from None
        self.stdout.write(
            f"{row.id}: {path_pattern} now uses {POLICY_LABELS[policy]} ({policy}); "
            f"status {row.get_status_display()}, ETag {row.etag}."
        )
