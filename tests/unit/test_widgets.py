"""QuickSelect renders exactly what WTForms' own Select renders, only quicker."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from tracker.widgets import QuickSelect

CHOICES = [
    SelectChoice("", "Choose a task…"),
    SelectChoice("a&b", 'A & <b> "quoted"'),
    SelectChoice("plain", "Plain"),
    SelectChoice("attrs", "With attributes", render_kw={"disabled": True}),
]


def forms(validators, coerce=str):
    class Stock(Form):
        field = SelectField("Field", validators=validators, coerce=coerce)

    class Quick(Form):
        field = SelectField("Field", validators=validators, coerce=coerce, widget=QuickSelect())

    return Stock, Quick


@pytest.mark.parametrize("data", ["", "a&b", "plain", "attrs", "missing"])
@pytest.mark.parametrize("validators", [[DataRequired()], [Optional()]])
def test_same_markup_as_wtforms(data, validators):
    stock_form, quick_form = forms(validators)
    rendered = []
    for form_class in (stock_form, quick_form):
        form = form_class(data={"field": data})
        form.field.choices = CHOICES
        rendered.append(
            str(form.field(class_="form-select is-invalid", **{"aria-describedby": "x"}))
        )
    assert rendered[0] == rendered[1]
    assert "&lt;b&gt;" in rendered[1]


def test_same_markup_with_integer_choices():
    stock_form, quick_form = forms([Optional()], coerce=int)
    rendered = []
    for form_class in (stock_form, quick_form):
        form = form_class(data={"field": 7})
        form.field.choices = [SelectChoice(0, "Choose…"), SelectChoice(7, "Seven")]
        rendered.append(str(form.field()))
    assert rendered[0] == rendered[1]
    assert '<option selected value="7">Seven</option>' in rendered[1]


def test_groups_go_through_the_stock_widget():
    stock_form, quick_form = forms([Optional()])
    rendered = []
    for form_class in (stock_form, quick_form):
        form = form_class(data={"field": "b"})
        form.field.choices = {"First": [("a", "A")], "Second": [("b", "B")]}
        rendered.append(str(form.field()))
    assert rendered[0] == rendered[1]
    assert "<optgroup" in rendered[1]


def test_an_empty_label_shows_the_value_as_wtforms_does():
    stock_form, quick_form = forms([Optional()])
    rendered = []
    for form_class in (stock_form, quick_form):
        form = form_class(data={"field": "x"})
        form.field.choices = [SelectChoice("x", ""), SelectChoice("y", None)]
        rendered.append(str(form.field()))
    assert rendered[0] == rendered[1]
    assert '<option selected value="x">x</option>' in rendered[1]
