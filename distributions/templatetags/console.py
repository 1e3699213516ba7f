from django import template

register = template.Library()


@register.filter
def poll_interval(attempt):
    """Seconds before the next status poll: 2 s, then backing off by half each time, at most 60 s."""
    try:
        attempt = int(attempt or 0)
    except (TypeError, ValueError):
        attempt = 0
    return min(60, round(2 * 1.5 ** min(attempt, 20)))


@register.filter
def finding_id(finding):
    """The form value that acknowledges a checklist finding."""
    from distributions.review import finding_id as identify

    return identify(finding)


# The CloudFront console's words for the API's values (a user copies the API value only from exports).
CONSOLE_LABELS = {
    "allow-all": "HTTP and HTTPS",
    "redirect-to-https": "Redirect HTTP to HTTPS",
    "https-only": "HTTPS Only",
    "match-viewer": "Match viewer",
    "http-only": "HTTP only",
    "sni-only": "SNI only (recommended)",
    "vip": "Legacy clients support (dedicated IP)",
    "static-ip": "Static IP",
    "InProgress": "In Progress",
}


@register.filter
def console_label(value):
    """The console's label for an API value (``allow-all`` → "HTTP and HTTPS"); other values unchanged."""
    return CONSOLE_LABELS.get(value, value) if isinstance(value, str) else value


@register.filter
def behavior_label(path_pattern):
    """A cache behavior as the console names it: "Default (*)" for the default, else its path pattern."""
    return "Default (*)" if path_pattern in ("*", "", None) else path_pattern
