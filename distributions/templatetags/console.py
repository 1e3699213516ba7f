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
