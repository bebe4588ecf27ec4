"""Form widgets shared by the features."""

from __future__ import annotations

from markupsafe import Markup, escape
from wtforms.widgets import Select, html_params


class QuickSelect(Select):
    """WTForms' single ``<select>``, the same markup, built with one escape per option.

    The stock widget runs ``html_params`` for every option, which made a 26-task list the
    dearest part of the self-check page. Options with their own attributes, groups and
    multiple selects go through the stock widget.
    """

    def __call__(self, field, **kwargs):
        if self.multiple or field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for name in self.validation_attrs:
            if name not in kwargs and getattr(flags, name, False):
                kwargs[name] = getattr(flags, name)
        html = [f"<select {html_params(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            if choice.render_kw:
                html.append(self.render_option(choice))
                continue
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            label = choice.label or choice.value
            selected = "selected " if choice.selected else ""
            html.append(f'<option {selected}value="{escape(value)}">{escape(label)}</option>')
        html.append("</select>")
        return Markup("".join(html))
