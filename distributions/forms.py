from django import forms

from .cloudfront import config as cfg
from .cloudfront.config import POLICY_LABELS, VIEWER_PROTOCOL_POLICIES


class ViewerProtocolPolicyForm(forms.Form):
    """Step 4 to 7 of the reference page: the policy, the behaviors it applies to, the checklist."""

    policy = forms.ChoiceField(
        label="Viewer Protocol Policy",
        choices=[(value, POLICY_LABELS[value]) for value in VIEWER_PROTOCOL_POLICIES],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a Viewer Protocol Policy.",
            "invalid_choice": "%(value)s is not a viewer protocol policy: choose HTTP and HTTPS, "
            "Redirect HTTP to HTTPS or HTTPS Only.",
        },
    )
    behavior = forms.MultipleChoiceField(
        label="Cache behaviors to update",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one cache behavior to update.",
            "invalid_choice": "There is no cache behavior with the path pattern %(value)s in this distribution.",
        },
    )
    etag = forms.CharField(
        widget=forms.HiddenInput, error_messages={"required": "The edit lost its version (ETag); start again."}
    )
    confirm_path_patterns = forms.BooleanField(
        label="The path pattern in each cache behavior applies only to the requests that you want viewers to use HTTPS for.",
        error_messages={"required": "Confirm that the path patterns apply only to the intended requests."},
    )
    confirm_order = forms.BooleanField(
        label="The cache behaviors are listed in the order that you want CloudFront to evaluate them in.",
        error_messages={"required": "Confirm that the cache behaviors are in the intended order."},
    )
    confirm_origins = forms.BooleanField(
        label="The cache behaviors are routing requests to the correct origins.",
        error_messages={"required": "Confirm that the cache behaviors route to the correct origins."},
    )

    def __init__(self, *args, config, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behavior"].choices = [(b.path_pattern, b.path_pattern) for b in cfg.behaviors(config)]

    confirmations = ("confirm_path_patterns", "confirm_order", "confirm_origins")
