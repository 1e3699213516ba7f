from django import forms

from .cloudfront import config as cfg
from .cloudfront import invalidation as inv
from .cloudfront import patterns, rules, viewer
from .cloudfront.config import POLICY_LABELS, VIEWER_PROTOCOL_POLICIES


class StringListField(forms.MultipleChoiceField):
    """Several values of one name (``acknowledge``), each a short string without NUL; any value is valid."""

    def __init__(self, *, max_length=1000, **kwargs):
        super().__init__(required=False, **kwargs)
        self.max_length = max_length

    def valid_value(self, value):
        return "\x00" not in value and len(value) <= self.max_length


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
    acknowledge = StringListField()
    confirm_origins = forms.BooleanField(
        label="The cache behaviors are routing requests to the correct origins.",
        error_messages={"required": "Confirm that the cache behaviors route to the correct origins."},
    )

    def __init__(self, *args, config, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behavior"].choices = [(b.path_pattern, b.path_pattern) for b in cfg.behaviors(config)]

    confirmations = ("confirm_path_patterns", "confirm_order", "confirm_origins")


class BehaviorPreviewForm(forms.Form):
    """Edit behavior's preview (the path tester's GET, and the page shown again after a refused Yes, Edit).

    Lenient where a preview can be: an unknown policy previews the behaviors as they are, and a
    path the tester cannot use gets its message from ``evidence.tested_path``. A pattern the
    distribution does not have is an error (the page has nothing to show for it).
    """

    behavior = forms.MultipleChoiceField(
        label="Cache behaviors to update",
        required=False,
        error_messages={
            "invalid_choice": "There is no cache behavior with the path pattern %(value)s in this distribution."
        },
    )
    policy = forms.CharField(required=False)
    test_path = forms.CharField(label="Path to test", required=False, strip=False)
    confirm_path_patterns = forms.BooleanField(required=False)
    confirm_order = forms.BooleanField(required=False)
    confirm_origins = forms.BooleanField(required=False)

    def __init__(self, *args, config, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["behavior"].choices = [(b.path_pattern, b.path_pattern) for b in cfg.behaviors(config)]

    def clean_behavior(self):
        return list(dict.fromkeys(self.cleaned_data["behavior"]))

    def clean_policy(self):
        policy = self.cleaned_data["policy"]
        return policy if policy in VIEWER_PROTOCOL_POLICIES else None

    def clean_test_path(self):
        return self.cleaned_data["test_path"] if "test_path" in self.data else None


class ReviewedChangeForm(forms.Form):
    """What every reviewed edit posts besides its own fields: the version, the confirmation, acknowledgements."""

    etag = forms.CharField(required=False, max_length=200)
    confirm = forms.BooleanField(required=False)
    acknowledge = StringListField()


class CertificateSettingsForm(ReviewedChangeForm):
    """General > Edit: the alternate domain names (one per line) and the viewer certificate."""

    aliases = forms.CharField(
        label="Alternate domain names", required=False, max_length=100 * 254, strip=False, widget=forms.Textarea
    )
    certificate = forms.CharField(label="Custom SSL certificate", required=False, max_length=2048)
    ssl_support_method = forms.ChoiceField(
        label="Custom SSL client support",
        choices=[(m, m) for m in cfg.SSL_SUPPORT_METHODS],
        error_messages={
            "invalid_choice": "%(value)s is not an SSL support method: choose sni-only or vip (static-ip is legacy)."
        },
    )
    minimum_protocol_version = forms.ChoiceField(
        label="Security policy",
        choices=[(p, p) for p in cfg.SECURITY_POLICIES],
        error_messages={"invalid_choice": "%(value)s is not a security policy CloudFront offers."},
    )
    edited = ("aliases", "certificate", "ssl_support_method", "minimum_protocol_version")


class InvalidationForm(forms.Form):
    """Invalidations > Create: object paths, one per line, checked with CloudFront's rules."""

    # CloudFront takes at most 3,000 paths of at most 4,000 characters in one invalidation.
    paths = forms.CharField(
        label="Object paths",
        max_length=inv.MAX_FILES_IN_PROGRESS * (inv.MAX_PATH_LENGTH + 1),
        widget=forms.Textarea,
        error_messages={"required": "Enter at least one object path, such as /index.html or /images/*."},
    )

    def clean_paths(self):
        paths, errors = inv.parse_paths(self.cleaned_data["paths"])
        if errors:
            raise forms.ValidationError(errors[0])
        return "\n".join(paths)


class DecisionForm(forms.Form):
    """An Approver's decision on a change request."""

    decision = forms.ChoiceField(
        label="Decision",
        choices=[("approve", "Approve"), ("reject", "Reject")],
        error_messages={"required": "Choose Approve or Reject.", "invalid_choice": "Choose Approve or Reject."},
    )
    reason = forms.CharField(label="Reason", required=False, max_length=2000)


def first_error(form: forms.Form) -> str:
    """The first error of a bound, invalid form, as one sentence naming its field."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = (field.label or name.replace("_", " ").capitalize()) if field else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return ""


class ActivityFilterForm(forms.Form):
    """Activity's filters (a GET): who, which distribution, which outcome, since when."""

    user = forms.CharField(label="User", required=False, max_length=150)
    distribution = forms.CharField(label="Distribution", required=False, max_length=32)
    outcome = forms.CharField(label="Outcome", required=False, max_length=32)
    since = forms.DateField(
        label="Since",
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Use a date like 2026-11-26."},
    )

    def __init__(self, *args, outcomes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = set(outcomes)

    def clean_outcome(self):
        """An outcome the console does not record filters nothing, as a bookmark from an older version expects."""
        value = self.cleaned_data["outcome"]
        return value if value in self.outcomes else ""


class OriginProtocolForm(ReviewedChangeForm):
    """Origins > Edit: a custom origin's protocol policy and minimum origin SSL protocol."""

    origin = forms.CharField(label="Origin", max_length=rules.MAX_ORIGIN_ID, strip=False)
    protocol_policy = forms.ChoiceField(
        label="Protocol",
        choices=[(p, p) for p in cfg.ORIGIN_PROTOCOL_POLICIES],
        error_messages={"invalid_choice": "%(value)s is not an origin protocol policy."},
    )
    minimum_ssl_protocol = forms.ChoiceField(
        label="Minimum origin SSL protocol",
        choices=[(p, p) for p in cfg.ORIGIN_SSL_PROTOCOLS],
        error_messages={"invalid_choice": "%(value)s is not an origin SSL protocol."},
    )


class BehaviorOrderForm(ReviewedChangeForm):
    """Change precedence: the order shown, and the move asked for (Move up / down, or Move to a precedence)."""

    order = StringListField(max_length=patterns.MAX_LENGTH)
    move = forms.CharField(required=False, max_length=patterns.MAX_LENGTH + 10, strip=False)
    move_pattern = forms.CharField(required=False, max_length=patterns.MAX_LENGTH, strip=False)
    move_to = forms.CharField(label="Precedence", required=False, max_length=10)


class RequestTestForm(forms.Form):
    """Test a request (a GET): the viewer's method, URL and HTTP version."""

    HTTP_VERSIONS = ("HTTP/1.1", "HTTP/2", "HTTP/3", "HTTP/1.0")

    method = forms.ChoiceField(
        label="Method",
        choices=[(m, m) for m in viewer.METHODS],
        error_messages={"invalid_choice": f"Choose one of {', '.join(viewer.METHODS)}."},
    )
    # CloudFront refuses a URL over 8,192 bytes (the edge's limit too).
    url = forms.CharField(label="URL", max_length=8192)
    http_version = forms.ChoiceField(
        label="HTTP version",
        choices=[(v, v) for v in HTTP_VERSIONS],
        error_messages={"invalid_choice": f"Choose one of {', '.join(HTTP_VERSIONS)}."},
    )


class CertificateCreateForm(forms.Form):
    """Sandbox certificates: a self-signed one for the names typed, or an imported PEM certificate and key."""

    kind = forms.ChoiceField(choices=[("self-signed", "Self-signed"), ("import", "Import")], required=False)
    # ACM: at most 100 names per certificate (10 by default), each at most 253 characters.
    domain_names = forms.CharField(label="Domain names", required=False, max_length=100 * 254)
    certificate_pem = forms.CharField(label="Certificate (PEM)", required=False, max_length=64 * 1024, strip=False)
    private_key_pem = forms.CharField(label="Private key (PEM)", required=False, max_length=64 * 1024, strip=False)
    chain_pem = forms.CharField(label="Certificate chain (PEM)", required=False, max_length=256 * 1024, strip=False)
    next = forms.CharField(required=False, max_length=2000)
