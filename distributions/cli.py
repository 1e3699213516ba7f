"""Shared helpers for the stable commands: one line and a non-zero exit for bad input, and rights."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from . import access


def fail(message, returncode=1):
    """A CommandError carrying one line saying what is wrong."""
    return CommandError(" ".join(str(message).split()), returncode=returncode)


def add_user_option(parser):
    parser.add_argument(
        "--user",
        metavar="USERNAME",
        help="act as this console user, with their rights (default: the shell's operator, with every right)",
    )


def acting_user(username):
    """The console user a command acts as, or None for the shell's operator (every right)."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise fail(f"No active console user is named {username!r}.")
    return user


def require_rights(user, distribution_id, edit):
    """Refuse, as the web console does, what ``user`` may not see (as unknown) or change."""
    if user is None:
        return
    if not access.can_view(user, distribution_id):
        raise fail(f"NoSuchDistribution: The distribution {distribution_id} does not exist.")
    if edit and not access.can_edit(user, distribution_id):
        raise fail(
            f"AccessDenied: {user.get_username()} ({access.role_label(user)}) cannot change distribution {distribution_id}."
        )
