from django import template
from django.utils.safestring import mark_safe

from ..navigation import navigation_html

register = template.Library()


@register.simple_tag
def site_navigation():
    """The site menu, rendered once per process and trees' version (``navigation_html``)."""
    return mark_safe(navigation_html())  # noqa: S308 - rendered from an autoescaped template
