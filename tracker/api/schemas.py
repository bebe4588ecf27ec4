"""The API's request and response shapes (marshmallow): they validate requests, and the
OpenAPI description is generated from them."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from tracker.dates import format_utc
from tracker.validation import unfit_text, unfit_value
from tracker.vocabulary import DelegationStatus

CONDITIONS = ("state_law", "employer_policy", "competency", "supervision")
DECISION_STATUSES = ("clear", "flagged", "prohibited")


def _one_line(value: str) -> None:
    """The pages' rule for a one-line field (``tracker.validation``): no control character,
    C1 included, no line break or tab, no lone surrogate."""
    if problem := unfit_text(value):
        raise ValidationError(problem)


def _multiline(value: str) -> None:
    """The pages' rule for notes and reasons: as one line, but tab and line breaks kept."""
    if problem := unfit_text(value, multiline=True):
        raise ValidationError(problem)


def text(max_length: int, multiline: bool = False, **kwargs) -> fields.String:
    """A string of at most ``max_length`` characters the pages' own fields would take: one
    line, or (``multiline``: notes, reasons) several."""
    clean = _multiline if multiline else _one_line
    return fields.String(validate=[validate.Length(max=max_length), clean], **kwargs)


class Moment(fields.AwareDateTime):
    """An ISO-8601 date and time with its offset, within the dates the app takes (1900-2200
    somewhere on earth, as for every writer: ``tracker.validation``), so its moment is always
    within UTC's calendar."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if problem := unfit_value(moment):
            raise ValidationError(problem)
        return moment


class Day(fields.Date):
    """An ISO-8601 date the app takes (1900-2200)."""

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if problem := unfit_value(day):
            raise ValidationError(problem)
        return day


def moment(**kwargs) -> Moment:
    """An ISO-8601 date and time with its offset."""
    return Moment(format="iso", **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE


# --------------------------------------------------------------------------- problems


class FieldErrorSchema(Schema):
    field = fields.String(required=True, metadata={"example": "checks[3].task"})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True, metadata={"example": "about:blank"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


# --------------------------------------------------------------------------- decisions


class DecisionRequestSchema(Strict):
    assistant = text(254, required=True, metadata={"description": "The assistant's email."})
    task = text(64, required=True, metadata={"description": "A task code from the catalog."})
    site = text(64, required=True, metadata={"description": "A site code."})
    at = moment(
        load_default=None,
        allow_none=True,
        metadata={"description": "ISO-8601 with offset; default now."},
    )
    delegated_by = text(
        254,
        load_default=None,
        allow_none=True,
        metadata={"description": "The delegating provider's email."},
    )
    in_room = fields.Boolean(load_default=False)


def _max_length(field: fields.Field) -> int:
    return next(v.max for v in field.validators if isinstance(v, validate.Length))


def read_plain_checks(items: list, schema: Schema) -> list[dict] | None:
    """The checks of a batch read as ``schema`` (a ``DecisionRequestSchema``) reads them,
    or None when any item is other than plainly well-formed.

    A plainly well-formed item is a JSON object of the schema's keys only, its texts
    strings within their lengths that ``_one_line`` takes, ``at`` a string the schema's
    own ``at`` field reads (each distinct one read once) or null, ``in_room`` true or false. For
    such a list the result equals the schema's (a property test compares the two); for
    anything else, None, and the schema reads the list and names each fault. Reading 500
    checks this way costs a fraction of 500 schema loads.
    """
    known = schema.fields
    texts = {name: _max_length(known[name]) for name in ("assistant", "task", "site")}
    delegator_limit = _max_length(known["delegated_by"])
    at_field = known["at"]
    moments: dict[str, object] = {}
    read = []
    for item in items:
        if type(item) is not dict or not known.keys() >= item.keys():
            return None
        row = {}
        for name, limit in texts.items():
            value = item.get(name)
            if type(value) is not str or len(value) > limit or unfit_text(value):
                return None
            row[name] = value
        value = item.get("delegated_by")
        if value is not None and (
            type(value) is not str or len(value) > delegator_limit or unfit_text(value)
        ):
            return None
        row["delegated_by"] = value
        value = item.get("in_room", False)
        if type(value) is not bool:
            return None
        row["in_room"] = value
        value = item.get("at")
        if value is not None:
            if type(value) is not str:
                return None
            if value not in moments:
                try:
                    moments[value] = at_field.deserialize(value)
                except ValidationError:
                    return None
            value = moments[value]
        row["at"] = value
        read.append(row)
    return read


class Checks(fields.Nested):
    """A batch's decision requests: plainly well-formed ones are read without a schema
    load per item (``read_plain_checks``); any other list is read by the schema."""

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if type(value) is list and partial is None and self.unknown is None:
            read = read_plain_checks(value, self.schema)
            if read is not None:
                return read
        return super()._deserialize(value, attr, data, partial=partial, **kwargs)


class BatchRequestSchema(Strict):
    checks = Checks(
        DecisionRequestSchema,
        many=True,
        required=True,
        validate=validate.Length(max=1000),
        metadata={"description": "Up to 1,000 decision requests."},
    )


class ConditionSchema(Schema):
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    met = fields.Boolean(required=True)
    reason = fields.String(required=True)
    evidence = fields.List(fields.String(), required=True)


class DecisionSchema(Schema):
    """A decision (DESIGN section 4) and its entry in the decision log."""

    id = fields.Integer(required=True, metadata={"description": "Its decision log entry."})
    status = fields.String(required=True, validate=validate.OneOf(DECISION_STATUSES))
    assistant = fields.String(required=True)
    task = fields.String(required=True)
    site = fields.String(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})
    reason = fields.String(metadata={"description": "Why, for a prohibited task."})
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    warnings = fields.List(fields.String(), required=True)


class BatchResponseSchema(Schema):
    decisions = fields.List(fields.Nested(DecisionSchema), required=True)


# --------------------------------------------------------------------------- the finder


class EligibleQuerySchema(Strict):
    task = text(64, required=True)
    site = text(64, required=True)
    at = moment(load_default=None, metadata={"description": "ISO-8601 with offset; default now."})


class FlaggedAssistantSchema(Schema):
    assistant = fields.String(required=True)
    unmet = fields.List(fields.String(validate=validate.OneOf(CONDITIONS)), required=True)
    reasons = fields.List(
        fields.String(), required=True, metadata={"description": "The unmet conditions in words."}
    )


class EligibleSchema(Schema):
    task = fields.String(required=True)
    site = fields.String(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})
    clear = fields.List(fields.String(), required=True)
    flagged = fields.List(fields.Nested(FlaggedAssistantSchema), required=True)
    reason = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "For a reserved task: why it is never an assistant's."},
    )


# --------------------------------------------------------------------------- delegations


class StoredDecisionSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DECISION_STATUSES))
    assistant = fields.String(required=True)
    task = fields.String(required=True)
    site = fields.String(required=True)
    at = fields.String(required=True, metadata={"format": "date-time"})
    reason = fields.String()
    conditions = fields.List(fields.Nested(ConditionSchema), required=True)
    warnings = fields.List(fields.String(), required=True)
    made_at = fields.String(required=True, metadata={"format": "date-time"})


class DelegationSchema(Schema):
    id = fields.Integer(required=True)
    assistant = fields.String(required=True)
    task = fields.String(required=True)
    site = fields.String(required=True)
    scheduled_for = fields.String(required=True, metadata={"format": "date-time"})
    delegated_by = fields.String(required=True)
    entered_by = fields.String(required=True)
    in_room = fields.Boolean(required=True)
    notes = fields.String(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in DelegationStatus])
    )
    status_reason = fields.String(allow_none=True, required=True)
    performed_while_flagged = fields.Boolean(required=True)
    decision = fields.Nested(StoredDecisionSchema, required=True)
    standing = fields.Nested(StoredDecisionSchema, required=True)
    standing_changed_at = fields.String(
        allow_none=True,
        required=True,
        metadata={"format": "date-time", "description": "When a re-check changed it."},
    )
    rechecks = fields.Integer(required=True)


class DelegationListQuerySchema(Strict):
    site = text(64)
    assistant = text(254)
    status = fields.String(validate=validate.OneOf([s.value for s in DelegationStatus]))
    flagged = fields.Boolean()
    from_ = Day(data_key="from")
    to = Day()
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    cursor = text(200)


class DelegationPageSchema(Schema):
    items = fields.List(fields.Nested(DelegationSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class DelegationRequestSchema(Strict):
    assistant = text(254, required=True)
    task = text(64, required=True)
    site = text(64, required=True)
    scheduled_for = moment(required=True)
    delegated_by = text(
        254,
        load_default=None,
        allow_none=True,
        metadata={"description": "The delegating provider; a provider's own token: itself."},
    )
    in_room = fields.Boolean(load_default=False)
    notes = text(2000, multiline=True, load_default="", allow_none=True)


class StatusRequestSchema(Strict):
    status = fields.String(
        required=True, validate=validate.OneOf([DelegationStatus.performed.value,
                                                DelegationStatus.cancelled.value])
    )  # fmt: skip
    reason = text(
        2000,
        multiline=True,
        load_default=None,
        allow_none=True,
        metadata={"description": "Required to mark performed one whose standing is flagged."},
    )


class IdempotencyHeaderSchema(Schema):
    class Meta:
        unknown = "exclude"

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=[validate.Length(min=1, max=200), _one_line],
        metadata={"description": "Repeat the same request with the same key: no second one."},
    )


# --------------------------------------------------------------------------- records
#
# Responses of records are dumped from the features' read models (the training file from
# ``tracker.training.queries.TrainingFile``, the expiring list from ``ExpiringReport``, a
# direction from its record): a field's ``attribute`` says where on them its value is.


class UtcMoment(fields.DateTime):
    """A moment as the API writes it: ISO-8601 in UTC, ``Z`` for its offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat().replace("+00:00", "Z")


class UtcSecond(fields.String):
    """A moment as the API writes it, to the second (``tracker.dates.format_utc``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_utc(value)


class OptionalCode(fields.String):
    """A code, null where there is none (stored as "")."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(value or None, attr, obj, **kwargs)


class TrainingSiteSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    state = fields.String(required=True)
    timezone = fields.String(required=True)


class SiteExpirySchema(Schema):
    site = OptionalCode(
        attribute="expiry.site",
        allow_none=True,
        required=True,
        metadata={
            "description": "Site code (null: the person works at no site; practice-wide policy)."
        },
    )
    expires_on = fields.Date(attribute="on", allow_none=True, required=True)
    expiry_from_policy = fields.Boolean(attribute="expiry.from_policy", required=True)


class DocumentSchema(Schema):
    """An evidence document of a record (its file is downloaded from the record's page)."""

    id = fields.Integer(required=True)
    title = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    filename = fields.String(required=True)
    uploaded_at = UtcMoment(required=True)


def _of_record(field_class, name: str, **kwargs) -> fields.Field:
    """A field read off the entry's record (``record.<name>``)."""
    return field_class(attribute=f"record.{name}", **kwargs)


class CompetencySchema(Schema):
    id = _of_record(fields.Integer, "id", required=True)
    task = _of_record(fields.String, "task.code", required=True)
    task_name = _of_record(fields.String, "task.name", required=True)
    status = fields.String(required=True)
    trained_on = _of_record(fields.Date, "trained_on", allow_none=True, required=True)
    training_hours = _of_record(fields.Float, "training_hours", allow_none=True, required=True)
    validated_on = _of_record(fields.Date, "validated_on", allow_none=True, required=True)
    #: null when no one validated it (``dump_default``: the link is absent).
    validated_by = _of_record(
        fields.String, "validated_by.email", dump_default=None, allow_none=True, required=True
    )
    expires_on = fields.Date(
        allow_none=True,
        required=True,
        metadata={
            "description": "The earliest of its expiries at the person's sites (null: none)."
        },
    )
    expiry_from_policy = fields.Boolean(required=True)
    expiry_site = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "The site of that earliest date when the sites' policies give "
            "different dates, else null."
        },
    )
    expiry_by_site = fields.List(
        fields.Nested(SiteExpirySchema), attribute="by_site", required=True
    )
    prior_employer = _of_record(fields.Boolean, "prior_employer", required=True)
    revoked_on = _of_record(fields.Date, "revoked_on", allow_none=True, required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)


class CredentialSchema(Schema):
    id = _of_record(fields.Integer, "id", required=True)
    type = _of_record(fields.String, "type", required=True)
    number = _of_record(fields.String, "number", allow_none=True, required=True)
    issuer = _of_record(fields.String, "issuer", allow_none=True, required=True)
    issued_on = _of_record(fields.Date, "issued_on", allow_none=True, required=True)
    expires_on = _of_record(fields.Date, "expires_on", allow_none=True, required=True)
    verified_on = _of_record(fields.Date, "verified_on", allow_none=True, required=True)
    status = fields.String(required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)


class LicenseSchema(Schema):
    id = _of_record(fields.Integer, "id", required=True)
    type = _of_record(fields.String, "type", required=True)
    number = _of_record(fields.String, "number", required=True)
    state = _of_record(fields.String, "state", required=True)
    expires_on = _of_record(fields.Date, "expires_on", allow_none=True, required=True)
    status = fields.String(required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)


class SupervisionSchema(Schema):
    id = fields.Integer(required=True)
    assistant = fields.String(attribute="assistant.email", required=True)
    provider = fields.String(attribute="provider.email", required=True)
    site = fields.String(attribute="site.code", required=True)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(allow_none=True, required=True)


class TrainingFileSchema(Schema):
    email = fields.String(attribute="person.email", required=True)
    name = fields.String(attribute="person.name", required=True)
    role = fields.String(attribute="person.role", required=True)
    job_level = fields.String(attribute="person.job_level", allow_none=True, required=True)
    active = fields.Boolean(attribute="person.active", required=True)
    today = fields.Date(required=True)
    sites = fields.List(fields.Nested(TrainingSiteSchema), attribute="person.sites", required=True)
    competencies = fields.List(fields.Nested(CompetencySchema), required=True)
    credentials = fields.List(fields.Nested(CredentialSchema), required=True)
    licenses = fields.List(fields.Nested(LicenseSchema), required=True)
    supervision = fields.List(fields.Nested(SupervisionSchema), required=True)
    acknowledgments = fields.List(
        fields.Nested("AcknowledgmentSchema"),
        metadata={"description": "Protocol versions the assistant acknowledged (DESIGN 15)."},
    )


class ExpiringQuerySchema(Strict):
    days = fields.Integer(validate=validate.Range(min=0, max=3650))
    site = text(64)


class ExpiringItemSchema(Schema):
    """Dumped from ``tracker.training.queries.ExpiringItem``."""

    kind = fields.String(required=True, validate=validate.OneOf(["competency", "credential",
                                                                 "license"]))  # fmt: skip
    record_id = fields.Integer(required=True)
    person = fields.String(attribute="person.email", required=True)
    name = fields.String(attribute="person.name", required=True)
    what = fields.String(required=True)
    expires_on = fields.Date(allow_none=True, required=True)
    status = fields.String(required=True)
    expiry_from_policy = fields.Boolean(attribute="derived", required=True)
    expiry_site = OptionalCode(
        attribute="site_code",
        allow_none=True,
        required=True,
        metadata={
            "description": "A competency whose sites' policies give different dates is listed "
            "with the earliest; this is that site's code (else null)."
        },
    )


class ExpiringSchema(Schema):
    """Dumped from ``tracker.training.queries.ExpiringReport``."""

    today = fields.Date(required=True)
    days = fields.Integer(required=True)
    site = fields.String(attribute="site_code", allow_none=True, required=True)
    items = fields.List(fields.Nested(ExpiringItemSchema), attribute="due", required=True)
    no_expiry = fields.List(fields.Nested(ExpiringItemSchema), required=True)


# ------------------------------------------------- directions (DESIGN section 15)


class DirectionRequestSchema(Strict):
    assistant = text(254, required=True)
    task = text(64, required=True)
    site = text(64, required=True)
    reference = text(
        100,
        required=True,
        metadata={"description": "The request in the practice's own system (an order or "
                  "message number); never a patient's name or identifier."},
    )  # fmt: skip
    given_at = moment(
        load_default=None,
        allow_none=True,
        metadata={"description": "When the provider gave it; default now."},
    )
    valid_until = moment(
        load_default=None,
        allow_none=True,
        metadata={"description": "Default: the end of that day in the site's time zone."},
    )


class DirectionSchema(Schema):
    """Dumped from ``tracker.protocols.models.Direction``."""

    id = fields.Integer(required=True)
    provider = fields.String(attribute="provider.email", required=True)
    assistant = fields.String(attribute="assistant.email", required=True)
    task = fields.String(attribute="task.code", required=True)
    site = fields.String(attribute="site.code", required=True)
    given_at = UtcSecond(required=True)
    valid_until = UtcSecond(required=True)
    reference = fields.String(required=True)
    carried_out = fields.Boolean(required=True)


class DirectionListQuerySchema(Strict):
    date = Day(metadata={"description": "The practice's day; default today."})


class DirectionListSchema(Schema):
    date = fields.Date(required=True)
    items = fields.List(fields.Nested(DirectionSchema), required=True)


class AcknowledgmentSchema(Schema):
    protocol = fields.String(attribute="protocol.code", required=True)
    version = fields.Integer(attribute="protocol.version", required=True)
    title = fields.String(attribute="protocol.title", required=True)
    state = fields.String(attribute="protocol.state", required=True)
    document = fields.String(attribute="protocol.document", required=True)
    acknowledged_at = UtcSecond(required=True)
