"""The built-in task catalog and the rules a practice's own tasks follow.

Pure Python (no Flask, no SQLAlchemy) so the decision rule, the forms and the practice
file share one source of truth.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from tracker.names import name_key
from tracker.vocabulary import TaskKind


class CatalogTask(NamedTuple):
    code: str
    name: str
    kind: TaskKind
    description: str = ""
    #: The assistant only transmits a provider's decision: it needs a provider-approved
    #: protocol or a provider's direction at the moment (DESIGN section 15).
    needs_direction: bool = False


A, C, R = TaskKind.administrative, TaskKind.clinical, TaskKind.reserved

#: The built-in task catalog (DESIGN section 2). Present in every database.
TASK_CATALOG: tuple[CatalogTask, ...] = (
    CatalogTask("scheduling", "Scheduling", A, "Scheduling, phones, check-in, correspondence"),
    CatalogTask("records-entry", "Records entry", A, "Updating records, entering data"),
    CatalogTask("billing-insurance", "Billing and insurance", A),
    CatalogTask("vital-signs", "Vital signs", C),
    CatalogTask("patient-history", "Patient history", C),
    CatalogTask("room-prep", "Room preparation", C),
    CatalogTask("procedure-assist", "Procedure assistance", C),
    CatalogTask("specimen-collection", "Specimen collection", C),
    CatalogTask("venipuncture", "Venipuncture", C),
    CatalogTask("injection", "Injection", C, "Intramuscular, subcutaneous, intradermal"),
    CatalogTask("iv-therapy", "IV therapy", C),
    CatalogTask("xray", "X-ray and imaging", C, "X-rays and other imaging"),
    CatalogTask("suture-removal", "Suture removal", C),
    CatalogTask("ear-lavage", "Ear lavage", C),
    CatalogTask("point-of-care-test", "Point-of-care test", C),
    CatalogTask(
        "relay-instructions",
        "Relay instructions",
        C,
        "Relaying provider-approved instructions and provider-reviewed results",
        True,
    ),
    CatalogTask(
        "refill-transmission",
        "Refill transmission",
        C,
        "Transmitting a provider's decision exactly as directed",
        True,
    ),
    CatalogTask(
        "protocol-phone-routing",
        "Protocol phone routing",
        C,
        "Routing calls under a provider-approved protocol",
        True,
    ),
    CatalogTask("instrument-sterilization", "Instrument sterilization", C),
    CatalogTask("diagnosis", "Diagnosis", R),
    CatalogTask("prescribing", "Prescribing", R, "Including independently approving refills"),
    CatalogTask("result-interpretation", "Result interpretation", R),
    CatalogTask("treatment-planning", "Treatment planning", R),
    CatalogTask("medical-advice", "Medical advice", R),
    CatalogTask("triage-judgment", "Triage by own judgment", R),
)

BUILTIN_TASK_CODES = frozenset(t.code for t in TASK_CATALOG)


def task_key(text: str | None) -> str:
    """A task code or name as compared for look-alikes: the typed-name normal form
    (tracker.names), with hyphens, underscores and dots read as spaces."""
    return " ".join(re.split(r"[\s_.-]+", name_key(text))).strip()


#: Every reserved task by the normal form of its code and of its name.
_RESERVED_BY_KEY = {
    task_key(text): task
    for task in TASK_CATALOG
    if task.kind == TaskKind.reserved
    for text in (task.code, task.name)
}
_BUILTIN_BY_KEY = {task_key(task.code): task for task in TASK_CATALOG}


def reserved_lookalike(*texts: str | None) -> CatalogTask | None:
    """The reserved task a custom task's code or name would pass for ("DIAGNOSIS",
    "Diagnosis", "result_interpretation", "Ｐｒｅｓｃｒｉｂｉｎｇ"), or None."""
    for text in texts:
        found = _RESERVED_BY_KEY.get(task_key(text))
        if found is not None:
            return found
    return None


def builtin_lookalike(code: str | None) -> CatalogTask | None:
    """The built-in task whose code this one is in another case or spelling, or None."""
    return _BUILTIN_BY_KEY.get(task_key(code))


def custom_task_problems(code: str | None, name: str | None) -> list[tuple[str, str]]:
    """Why a practice may not add (or rename to) this task: (field, message) pairs.

    The one rule for the form, the practice file and any import: a custom task never
    passes for a reserved one, nor takes a built-in task's code in another spelling.
    """
    problems = []
    reserved = reserved_lookalike(code, name)
    if reserved is not None:
        field = "code" if reserved_lookalike(code) else "name"
        problems.append(
            (
                field,
                f"{(code if field == 'code' else name)!s} reads as the reserved task "
                f"{reserved.name} ({reserved.code}), which is for licensed providers only; "
                "a practice cannot add it or a look-alike.",
            )
        )
    elif builtin_lookalike(code) is not None:
        builtin = builtin_lookalike(code)
        problems.append(("code", f"{code} is the built-in task {builtin.code}; pick another code."))
    return problems
