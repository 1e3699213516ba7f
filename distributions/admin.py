from django.contrib import admin

from .models import ApprovalRule, AuditEntry, ChangeRequest, Distribution, Team, TeamDistribution


class TeamDistributionInline(admin.TabularInline):
    model = TeamDistribution
    extra = 1


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "distributions__distribution_id"]
    filter_horizontal = ["members"]
    inlines = [TeamDistributionInline]


@admin.register(ApprovalRule)
class ApprovalRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "distribution_id", "required"]
    list_editable = ["required"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the console writes itself: readable here, never edited or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "distribution_id", "action", "outcome", "summary"]
    list_filter = ["outcome", "action"]
    search_fields = ["username", "distribution_id", "summary"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyAdmin):
    list_display = ["pk", "distribution_id", "author", "state", "summary", "created_at"]
    list_filter = ["state"]


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    """The mirror, for fleet-wide questions; it is refreshed from the backend, never edited."""

    list_display = ["id", "comment", "domain_name", "status", "enabled", "last_modified"]
    list_filter = ["status", "enabled"]
    search_fields = ["id", "comment", "domain_name", "aliases_text"]
