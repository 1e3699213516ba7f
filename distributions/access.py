"""Who may see and change which distribution: the permission helpers every view and command calls.

Roles are Django groups (made by a migration): **Viewer** reads, **Operator**
edits the distributions of their teams, **Approver** approves others' change
requests on their teams' distributions, **Admin** (or a superuser) does
everything everywhere. Teams own distributions by ID.

An install with no team at all is open: every signed-in user without a role
acts as an Admin (the training sandbox, a one-person console). Once a team
exists, a user sees only the distributions of their teams, and a user with no
role sees nothing.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q

from .models import ApprovalRule, ChangeRequestState, Team, TeamDistribution

VIEWER, OPERATOR, APPROVER, ADMIN = "Viewer", "Operator", "Approver", "Admin"
ROLES = (VIEWER, OPERATOR, APPROVER, ADMIN)


def roles(user):
    """The user's console roles, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_console_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        if user.is_superuser or (not cached and not Team.objects.exists()):
            cached = cached | {ADMIN}
        user._console_roles = cached
    return cached


def is_admin(user):
    return ADMIN in roles(user)


def team_distribution_ids(user):
    return set(TeamDistribution.objects.filter(team__members=user).values_list("distribution_id", flat=True))


def visible_filter(user, field="pk"):
    """A Q limiting a queryset to the distributions ``user`` may see (``field`` holds the ID)."""
    if is_admin(user):
        return Q()
    if not roles(user):
        return Q(pk__in=[])
    return Q(**{f"{field}__in": TeamDistribution.objects.filter(team__members=user).values("distribution_id")})


def can_view(user, distribution_id):
    if is_admin(user):
        return True
    return bool(roles(user)) and distribution_id in team_distribution_ids(user)


def can_edit(user, distribution_id):
    if is_admin(user):
        return True
    return OPERATOR in roles(user) and distribution_id in team_distribution_ids(user)


def can_approve(user, change_request):
    """Approvers (and Admins) of the distribution's team, never the request's author."""
    if change_request.author_id == user.pk or change_request.state != ChangeRequestState.SUBMITTED:
        return False
    if is_admin(user):
        return True
    return APPROVER in roles(user) and change_request.distribution_id in team_distribution_ids(user)


def approval_required(user, distribution_id):
    """Whether ``user``'s push on this distribution must become a change request.

    Admins push directly; everyone else needs approval when it is switched on
    fleet-wide or for this distribution.
    """
    if is_admin(user):
        return False
    return ApprovalRule.objects.filter(
        distribution_id__in=[ApprovalRule.FLEET, distribution_id], required=True
    ).exists()


def approvers(distribution_id):
    """Who may approve a change request on this distribution: its teams' Approvers, and Admins."""
    teams = TeamDistribution.objects.filter(distribution_id=distribution_id).values("team")
    return (
        get_user_model()
        .objects.filter(
            Q(groups__name=APPROVER, console_teams__in=teams) | Q(groups__name=ADMIN) | Q(is_superuser=True),
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def role_label(user):
    names = [name for name in ROLES if name in roles(user)]
    return ", ".join(names) or "no role"
