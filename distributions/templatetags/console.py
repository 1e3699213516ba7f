from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

from distributions import console_words

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
CONSOLE_LABELS = console_words.VALUE_LABELS


@register.filter
def console_label(value):
    """The console's label for an API value (``allow-all`` → "HTTP and HTTPS"); other values unchanged."""
    return CONSOLE_LABELS.get(value, value) if isinstance(value, str) else value


@register.filter
def behavior_label(path_pattern):
    """A cache behavior as the console names it: "Default (*)" for the default, else its path pattern."""
    return "Default (*)" if path_pattern in ("*", "", None) else path_pattern


CENT = Decimal("0.01")


@register.filter
def money(value):
    """US dollars as the Billing console shows them: ``$1,234.57`` (two decimals, rounded half up).

    A charge under half a cent is not zero: it reads "less than $0.01" rather than a misleading $0.00.
    """
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value
    if not amount.is_finite():
        return value
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    if amount and not rounded:
        return "less than $0.01" if amount > 0 else "-less than $0.01"
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


@register.filter
def thousands(value):
    """A count with thousands separators (1,234,567), as the console's tables show counts."""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


@register.filter
def index_of(sequence, item):
    """The 0-based position of ``item`` in ``sequence`` (the precedence of a path pattern in an order)."""
    try:
        return list(sequence).index(item)
    except ValueError:
        return ""


@register.simple_tag
def console_changes(before, after):
    """``{% console_changes before after as rows %}``: the difference of two configs in the console's words."""
    return console_words.describe_changes(before, after)


@register.filter
def described_changes(entry):
    """A recorded change (audit entry) in the console's words, from its configs when it kept them."""
    if isinstance(entry.config_before, dict) and isinstance(entry.config_after, dict):
        return console_words.describe_changes(entry.config_before, entry.config_after)
    return console_words.describe_recorded(entry.changes, entry.config_before or entry.config_after)


@register.simple_tag
def console_recorded(changes, config=None):
    """``{% console_recorded triples as rows %}``: recorded (path, before, after) triples in the console's words."""
    return console_words.describe_recorded(changes, config)
