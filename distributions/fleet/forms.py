"""The fleet pages' inputs: the posture's filters (a GET), the plan (a POST) and Apply (a POST).

Each is parsed here, so lengths, choices and shapes get one clear message naming the
field, and a view that meets one refuses the request before planning or applying
anything.
"""

from django import forms

from distributions.cloudfront import patterns
from distributions.cloudfront.config import POLICY_LABELS
from distributions.forms import StringListField
from distributions.models import Distribution, Team

from .posture import HTTPS_CODES

PLAN_POLICIES = ("redirect-to-https", "https-only")
DEFAULT_PLAN_POLICY = "redirect-to-https"
FORMATS = ("csv", "json")
# ``allows-http`` is the posture's name for the behaviors that let viewers use HTTP.
CODES = ("allows-http", *HTTPS_CODES)
ID_LENGTH = Distribution._meta.get_field("id").max_length
# Far more exclusions than a distribution has behaviors (25 by default in CloudFront's quotas).
MAX_EXCLUSIONS = 100


class FleetScopeForm(forms.Form):
    """What both the posture page and its plan narrow the fleet by: a team, and part of a distribution ID."""

    team = forms.CharField(label="Team", required=False, max_length=Team._meta.get_field("name").max_length)
    q = forms.CharField(label="Distribution ID", required=False, max_length=200)

    def clean_team(self):
        team = self.cleaned_data["team"]
        if team and not Team.objects.filter(name=team).exists():
            raise forms.ValidationError("There is no team named %(team)s.", params={"team": team})
        return team or None


class PostureFilterForm(FleetScopeForm):
    """The posture page's GET: the filters, and a download format."""

    code = forms.ChoiceField(
        label="Finding",
        required=False,
        choices=[("", "All findings"), *((c, c) for c in CODES)],
        error_messages={
            "invalid_choice": f"%(value)s is not a finding the posture lists: choose one of {', '.join(CODES)}."
        },
    )
    format = forms.ChoiceField(
        label="Format",
        required=False,
        choices=[("", "Page"), *((f, f.upper()) for f in FORMATS)],
        error_messages={"invalid_choice": "%(value)s is not a download format: choose csv or json."},
    )


def _exclusion_list(text):
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class PlanForm(FleetScopeForm):
    """Require HTTPS on selected / on all that allow HTTP: the policy, the extra exclusions, the scope."""

    policy = forms.ChoiceField(
        label="Viewer Protocol Policy for the plan",
        required=False,
        choices=[(p, POLICY_LABELS[p]) for p in PLAN_POLICIES],
        error_messages={
            "invalid_choice": "%(value)s is not a policy the plan can set: choose Redirect HTTP to HTTPS or HTTPS Only."
        },
    )
    exclude = forms.CharField(
        label="More path patterns that must stay reachable over HTTP",
        required=False,
        strip=False,
        max_length=MAX_EXCLUSIONS * (patterns.MAX_LENGTH + 1),
        widget=forms.Textarea,
    )
    scope = forms.ChoiceField(
        label="Scope",
        choices=[("selected", "Require HTTPS on selected"), ("all", "Require HTTPS on all that allow HTTP")],
        error_messages={
            "required": "Choose Require HTTPS on selected or Require HTTPS on all that allow HTTP.",
            "invalid_choice": "Choose Require HTTPS on selected or Require HTTPS on all that allow HTTP.",
        },
    )
    behavior = StringListField(label="Behaviors", max_length=ID_LENGTH + 1 + patterns.MAX_LENGTH)

    def clean_policy(self):
        return self.cleaned_data["policy"] or DEFAULT_PLAN_POLICY

    def clean_exclude(self):
        """The typed path patterns, one per line, each one CloudFront would accept."""
        exclusions = _exclusion_list(self.cleaned_data["exclude"])
        if len(exclusions) > MAX_EXCLUSIONS:
            raise forms.ValidationError(f"Type at most {MAX_EXCLUSIONS} path patterns.")
        for pattern in exclusions:
            error = patterns.pattern_error(pattern)
            if error:
                raise forms.ValidationError(error)
        return exclusions

    def clean_behavior(self):
        """``ID|pattern`` checkbox values → {ID: [patterns]}."""
        chosen = {}
        for value in self.cleaned_data["behavior"]:
            distribution_id, _, pattern = value.partition("|")
            if not distribution_id or len(distribution_id) > ID_LENGTH or not pattern:
                raise forms.ValidationError(
                    "%(value)s is not a behavior of the table (distribution ID|path pattern).", params={"value": value}
                )
            chosen.setdefault(distribution_id, [])
            if pattern not in chosen[distribution_id]:
                chosen[distribution_id].append(pattern)
        return chosen

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == "selected" and "behavior" in cleaned and not cleaned["behavior"]:
            self.add_error(
                "behavior", "Choose at least one behavior in the table, or Require HTTPS on all that allow HTTP."
            )
        return cleaned


class PlanApplyForm(forms.Form):
    """Apply (or Resume): the step-7 confirmation and the acknowledged errors (``ID|finding``)."""

    confirm = forms.BooleanField(label="Confirmation", required=False)
    acknowledge = StringListField(label="Acknowledgements")
