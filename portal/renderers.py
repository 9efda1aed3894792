"""The form renderer (``FORM_RENDERER``): Django's own, with the widgets of every filter bar — inputs, selects
and their options, text areas — written in Python as Django's templates for them write them. A select renders
a template and an include per option (a filter bar took 1–3 ms a page); this writes the same HTML, byte for
byte (tests/portal/test_renderers.py compares it with the templates), in a fraction of the time. Any other
template, and any widget whose context the templates would treat specially (a callable value, an option of
another template), renders through Django's templates as before."""

from __future__ import annotations

import html

from django.forms.renderers import DjangoTemplates
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

WIDGETS = "django/forms/widgets/"
# each of these is ``{% include "django/forms/widgets/input.html" %}``
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "date",
        "datetime",
        "time",
        "search",
        "tel",
        "color",
        "checkbox",
    )
)
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"
TEXTAREA = f"{WIDGETS}textarea.html"
WRITTEN = INPUTS | {SELECT, TEXTAREA}

# what ``{{ … }}`` reads from its context: autoescape on, localization and time zone as the settings say
TEMPLATE_CONTEXT = Context(autoescape=True)


class NotWritten(Exception):  # noqa: N818 - a signal to the renderer, not an error
    """The widget's context holds what the template would treat specially: render the template instead."""


def variable(value) -> str:
    """``{{ value }}``: localized, escaped — the template's own function. A callable the template would call
    is left to the template."""
    if type(value) is str:
        return html.escape(value)  # what localizing and conditional_escape() make of a plain string
    if callable(value) and not isinstance(value, SafeData):
        raise NotWritten
    return render_value_in_context(value, TEMPLATE_CONTEXT)


def formatted(value) -> str:
    """``{{ value|stringformat:'s' }}``: ``"%s" % value``, escaped unless the value was marked safe."""
    if type(value) is str:
        return html.escape(value)
    if callable(value) and not isinstance(value, SafeData):
        raise NotWritten
    try:
        text = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        text = ""
    return text if isinstance(value, SafeData) else conditional_escape(text)


def attributes(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: `` name="value"`` each, `` name`` for True, nothing for False."""
    written = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            written.append(f" {variable(name)}")
        else:
            written.append(f' {variable(name)}="{formatted(value)}"')
    return "".join(written)


def input_html(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{formatted(value)}"'
    kind, name = variable(widget["type"]), variable(widget["name"])
    return f'<input type="{kind}" name="{name}"{shown}{attributes(widget["attrs"])}>'


def option_html(option: dict) -> str:
    if option.get("template_name") != OPTION:
        raise NotWritten
    return (
        f'<option value="{formatted(option["value"])}"{attributes(option["attrs"])}>'
        f"{variable(option['label'])}</option>\n"
    )


def select_html(widget: dict) -> str:
    parts = [f'<select name="{variable(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{variable(group_name)}">')
        for option in group_choices:
            parts.append(f"\n  {option_html(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def textarea_html(widget: dict) -> str:
    value = widget["value"]
    content = variable(value) if value else ""
    return f'<textarea name="{variable(widget["name"])}"{attributes(widget["attrs"])}>\n{content}</textarea>'


class PortalFormRenderer(DjangoTemplates):
    """Django's template form renderer; the widgets above written without their templates."""

    def render(self, template_name, context, request=None):
        widget = context.get("widget") if template_name in WRITTEN else None
        if isinstance(widget, dict) and widget.get("template_name") == template_name:
            try:
                if template_name == SELECT:
                    written = select_html(widget)
                elif template_name == TEXTAREA:
                    written = textarea_html(widget)
                else:
                    written = input_html(widget)
            except (NotWritten, KeyError):
                pass
            else:
                return (
                    written.strip()
                )  # as the template's output: stripped, a plain string (the widget marks it)
        return super().render(template_name, context, request=request)
