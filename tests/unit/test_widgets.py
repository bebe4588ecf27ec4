"""The quick widgets render exactly what WTForms' own render, and QuickSelectField checks a
choice as SelectField does, only quicker."""

from __future__ import annotations

from datetime import datetime

import pytest
from markupsafe import Markup
from wtforms import DateTimeLocalField, Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional
from wtforms.widgets import html_params

from tracker.widgets import QuickDateTimeLocalInput, QuickSelect, QuickSelectField, quick_params

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


# ------------------------------------------------------------------ quick_params and friends


@pytest.mark.parametrize(
    "attributes",
    [
        {"name": "task_code", "id": "task_code"},
        {"class_": "form-select is-invalid", "aria_describedby": "x-errors"},
        {"data_filter_table": "t", "required": True, "disabled": False},
        {"value": "A & <b> \"quoted\" 'single'"},
        {"value": 7, "for_": "at", "aria-hidden": "true"},
        {"title": "<script>alert(1)</script>", "checked": True},
        {"value": Markup('already "safe" text'), 'odd"name': 1},  # a quote in safe text too
    ],
)
def test_quick_params_writes_what_wtforms_writes(attributes):
    assert quick_params(**attributes) == str(html_params(**attributes))
    assert "<script>" not in quick_params(**attributes)


@pytest.mark.parametrize("data", [None, datetime(2027, 3, 4, 5, 6)])
@pytest.mark.parametrize(
    "extra", [{}, {"class_": "form-control is-invalid", "aria-describedby": "at-errors"}]
)
def test_quick_time_input_renders_as_wtforms_does(data, extra):
    class Stock(Form):
        at = DateTimeLocalField("When", format="%Y-%m-%dT%H:%M", validators=[Optional()])

    class Quick(Form):
        at = DateTimeLocalField(
            "When", format="%Y-%m-%dT%H:%M", validators=[Optional()],
            widget=QuickDateTimeLocalInput(),
        )  # fmt: skip

    rendered = [str(form_class(data={"at": data}).at(**extra)) for form_class in (Stock, Quick)]
    assert rendered[0] == rendered[1]
    assert 'type="datetime-local"' in rendered[1]


def select_forms(coerce=str):
    class Stock(Form):
        field = SelectField("Field", validators=[DataRequired()], coerce=coerce)

    class Quick(Form):
        field = QuickSelectField("Field", validators=[DataRequired()], coerce=coerce)

    return Stock, Quick


class Sent(dict):
    """Form data as a browser sends it (WTForms reads ``getlist``)."""

    def getlist(self, key):
        return [self[key]] if key in self else []


@pytest.mark.parametrize(
    ("sent", "choices"),
    [
        ("plain", CHOICES),  # a choice offered
        ("missing", CHOICES),  # not offered: "Not a valid choice."
        ("", CHOICES),  # the empty first choice: DataRequired's message
        ("attrs", CHOICES),  # a choice with attributes of its own (the stock check)
        ("b", {"First": [("a", "A")], "Second": [("b", "B")]}),  # groups (the stock check)
        ("x", [("x", "X"), ("y", "Y")]),  # plain tuples (the stock check)
        ("z", [("x", "X"), ("y", "Y")]),
    ],
)
def test_quick_select_field_checks_choices_as_wtforms_does(sent, choices):
    errors = []
    for form_class in select_forms():
        form = form_class(formdata=Sent(field=sent))
        form.field.choices = choices
        form.validate()
        errors.append(form.field.errors)
    assert errors[0] == errors[1]
    if sent in ("missing", "z"):
        assert errors[1] == ["Not a valid choice."]


@pytest.mark.parametrize("sent", ["7", "8", "seven"])
def test_quick_select_field_coerces_before_it_checks(sent):
    errors = []
    for form_class in select_forms(coerce=int):
        form = form_class(formdata=Sent(field=sent))
        form.field.choices = [SelectChoice(0, "Choose…"), SelectChoice(7, "Seven")]
        form.validate()
        errors.append(form.field.errors)
    assert errors[0] == errors[1]
    assert (errors[1] == []) == (sent == "7")


def test_quick_select_field_is_styled_as_a_select():
    form = select_forms()[1]()
    form.field.choices = CHOICES
    assert form.field.type == "SelectField"  # the light_field macro gives it form-select
    assert str(form.field()).startswith('<select id="field" name="field" required>')


def test_choices_are_coerced_as_wtforms_coerces_them():
    """Values offered as text, read as numbers: the choice is selected and valid."""
    rendered, errors = [], []
    for form_class in select_forms(coerce=int):
        form = form_class(formdata=Sent(field="7"))
        form.field.choices = [SelectChoice("0", "Choose…"), SelectChoice("7", "Seven")]
        form.validate()
        rendered.append(str(form.field()))
        errors.append(form.field.errors)
    assert rendered[0] == rendered[1]
    assert '<option selected value="7">Seven</option>' in rendered[1]
    assert errors == [[], []]


def test_a_quote_in_safe_text_does_not_end_an_option_value():
    rendered = []
    for form_class in select_forms():
        form = form_class(data={"field": "x"})
        form.field.choices = [SelectChoice(Markup('a"b'), "A"), SelectChoice("x", "X")]
        rendered.append(str(form.field()))
    assert rendered[0] == rendered[1]
    assert 'value="a&quot;b"' in rendered[1]


def test_an_empty_group_name_is_a_group_as_in_wtforms():
    rendered = []
    for form_class in select_forms():
        form = form_class(data={"field": "a"})
        form.field.choices = [SelectChoice("a", "A", optgroup=""), SelectChoice("b", "B")]
        rendered.append(str(form.field()))
    assert rendered[0] == rendered[1]
    assert '<optgroup label="">' in rendered[1]
