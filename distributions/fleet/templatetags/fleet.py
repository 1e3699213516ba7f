from django import template

from distributions.cloudfront.config import POLICY_LABELS

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]``, None when absent (the results of a bulk change, by distribution ID)."""
    return (mapping or {}).get(key)


@register.filter
def policy_label(policy):
    """The console's label of a viewer protocol policy ("Redirect HTTP to HTTPS")."""
    return POLICY_LABELS.get(policy, policy)
