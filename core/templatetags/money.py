"""The `yuan` filter: every amount on a page goes through plans.format_yuan."""

from django import template

from cases.plans import format_yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or value == "":
        return "—"
    return format_yuan(value)
