"""Form widgets shared by the features, and the one way a form field's help text is shown.

Markup is never built from data here: every value goes through ``Markup.format``, which
escapes each argument, and every field description is escaped when it is set.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.fields.core import Field
from wtforms.widgets import Select, html_params

_OPTION = '<option %svalue="%s">%s</option>'
_SELECTED = "selected "


class QuickSelect(Select):
    """WTForms' single ``<select>``, the same markup, built with one escape per value.

    The stock widget runs ``html_params`` for every option, which made a 26-task list the
    dearest part of the self-check page; ``Markup.format`` per option (Python's string
    formatter) still cost a quarter of that page, so each value and label is escaped with
    markupsafe's ``escape`` (in C) and the options joined once. Options with their own
    attributes, groups and multiple selects go through the stock widget.
    """

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        # html_params escapes every attribute value it writes.
        html = [Markup("<select {}>").format(Markup(html_params(name=field.name, **kwargs)))]
        for choice in field.iter_choices():
            if choice.render_kw:
                html.append(self.render_option(choice))
                continue
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            label = choice.label or choice.value
            selected = _SELECTED if choice.selected else ""
            # escape() both value and label: a task named <script> stays text.
            html.append(_OPTION % (selected, escape(value), escape(label)))
        html.append("</select>")
        return Markup("".join(html))


class EscapedDescription:
    """A field's ``description`` that is always escaped text.

    Bootstrap-Flask prints ``field.description|safe``, so a description built from data (a
    policy's document name, say) would run as markup. Installed on WTForms' ``Field``, this
    escapes whatever is assigned, at construction or later in a view: escaping is the only
    path. A plain string of help text is unchanged to the reader.
    """

    def __set_name__(self, owner, name):
        self.slot = f"_escaped_{name}"

    def __get__(self, field, owner=None):
        if field is None:
            return self
        return field.__dict__.get(self.slot, Markup(""))

    def __set__(self, field, value):
        field.__dict__[self.slot] = escape(str(value)) if value else Markup("")


def install_escaped_descriptions() -> None:
    """Make every WTForms field's description escaped text (idempotent)."""
    if not isinstance(Field.__dict__.get("description"), EscapedDescription):
        descriptor = EscapedDescription()
        descriptor.__set_name__(Field, "description")
        Field.description = descriptor
