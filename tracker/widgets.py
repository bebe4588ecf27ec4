"""Form widgets shared by the features, and the one way a form field's help text is shown.

Markup is never built from data here: every name, value and label goes through
markupsafe's ``escape`` (``quick_params``, ``attribute_value``, ``_option``), anything else
through WTForms' own widgets, and every field description is escaped when it is set.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import SelectField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import Field
from wtforms.widgets import DateTimeLocalInput, Select
from wtforms.widgets.core import clean_key

_OPTION = '<option %svalue="%s">%s</option>'
_SELECTED = "selected "
_SELECT = "<select %s>%s</select>"


def quick_params(**kwargs) -> str:
    """WTForms' ``html_params``, the same attributes in the same order, each name and value
    escaped with markupsafe's ``escape`` (in C).

    The stock function builds each attribute with ``Markup.format``, Python's string
    formatter: four attributes of one input cost more than rendering the rest of its label.
    ``True`` writes the bare name, ``False`` nothing, as there.
    """
    params = []
    for key, value in sorted(kwargs.items()):
        if value is True:
            params.append(escape(clean_key(key)))
        elif value is not False:
            params.append(f'{escape(clean_key(key))}="{attribute_value(value)}"')
    return " ".join(params)


def attribute_value(value) -> str:
    """A value escaped to sit between double quotes. ``escape`` turns a quote into ``&#34;``
    but leaves text already marked safe as it is; a quote in that is replaced too, as
    WTForms does, so no value ends its attribute early."""
    return str(escape(value)).replace('"', "&quot;")


def plain_choices(field) -> list[SelectChoice] | None:
    """A select's choices when each is a plain ``SelectChoice`` (no group, no attributes of
    its own: what the views build), else None (the stock code handles the rest)."""
    choices = field.choices
    if not isinstance(choices, list | tuple):
        return None
    for choice in choices:
        if type(choice) is not SelectChoice or choice.optgroup is not None or choice.render_kw:
            return None
    return choices


def is_selected(field, choice: SelectChoice) -> bool:
    """WTForms' own test of a selected choice (``SelectField.iter_choices``)."""
    return field.coerce(choice.value) == field.data


class QuickSelect(Select):
    """WTForms' single ``<select>``, the same markup, each option written once.

    The stock widget runs ``html_params`` for every option, which made a 26-task list the
    dearest part of the self-check page. Here a list of plain choices is walked once, each
    option's value and label escaped with markupsafe's ``escape`` (in C) and the options
    joined once. Anything else, and multiple selects, go through the stock widget.
    """

    def __call__(self, field, **kwargs):
        choices = None if self.multiple else plain_choices(field)
        if choices is None:
            return super().__call__(field, **kwargs)
        options = "".join(_option(c.value, c.label, is_selected(field, c)) for c in choices)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        # quick_params escapes every attribute value it writes.
        return Markup(_SELECT % (quick_params(name=field.name, **kwargs), options))


class QuickSelectField(SelectField):
    """WTForms' ``SelectField`` drawn by ``QuickSelect``, and checked the same quick way:
    for plain choices, whether one is selected is asked of each directly, with no
    ``Choice`` built for every option (the stock check builds them all)."""

    widget = QuickSelect()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "SelectField"  # styled as one by every macro (Bootstrap-Flask's too)

    def pre_validate(self, form):
        choices = None if self.process_errors or not self.validate_choice else plain_choices(self)
        if choices is None:
            return super().pre_validate(form)
        if not any(is_selected(self, choice) for choice in choices):
            raise ValidationError(
                self.invalid_choice_message or self.gettext("Not a valid choice.")
            )


def _option(value, label, selected: bool) -> str:
    """One ``<option>``; escape() both value and label: a task named <script> stays text."""
    shown = label or value
    return _OPTION % (_SELECTED if selected else "", attribute_value(value), escape(shown))


class QuickDateTimeLocalInput(DateTimeLocalInput):
    """WTForms' ``datetime-local`` input with its attributes written by ``quick_params``."""

    html_params = staticmethod(quick_params)


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
