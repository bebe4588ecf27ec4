"""The built-in task catalog and the rules a practice's own tasks follow.

Pure Python (no Flask, no SQLAlchemy) so the decision rule, the forms and the practice
file share one source of truth.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from tracker.names import name_forms, name_key
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


#: Reserved task keys shorter than this are matched exactly, never "one letter off".
_NEAR_MIN_LENGTH = 6


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter added, removed or changed (Levenshtein distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)) :] == b[i + 1 :]


def _singular(key: str) -> str:
    return key[:-2] if key.endswith("es") else key[:-1] if key.endswith("s") else key


def _task_forms(text: str | None) -> frozenset[str]:
    """A code or a name as compared for look-alikes (tracker.names), with each word's
    plural ending and the whole key's taken off too ("Results interpretations")."""
    forms = set(name_forms(text))
    forms |= {name_key(" ".join(_singular(word) for word in re.split(r"[\W_]+", text or "")))}
    forms |= {_singular(form) for form in forms}
    return frozenset(forms - {""})


def _passes_for(text: str | None, reserved_forms: frozenset[str]) -> bool:
    for form in _task_forms(text):
        for other in reserved_forms:
            if form == other:
                return True
            if len(other) >= _NEAR_MIN_LENGTH and _one_edit_apart(form, other):
                return True
    return False


#: Every reserved task with the forms of its code and of its name.
_RESERVED_FORMS = tuple(
    (task, _task_forms(task.code) | _task_forms(task.name))
    for task in TASK_CATALOG
    if task.kind == TaskKind.reserved
)
_BUILTIN_BY_KEY = {name_key(task.code): task for task in TASK_CATALOG}


@lru_cache(maxsize=1024)
def _reserved_lookalike(text: str | None) -> CatalogTask | None:
    return next((task for task, forms in _RESERVED_FORMS if _passes_for(text, forms)), None)


def reserved_lookalike(*texts: str | None) -> CatalogTask | None:
    """The reserved task a custom task's code or name would pass for, or None.

    The name rule of DESIGN section 14: the same key ("DIAGNOSIS", "Diаgnosis" with a
    Cyrillic а, "diag-nosis", "Diagnosis" with an invisible joiner), or a key one letter
    or a plural away ("diagnoses", "diagnosıs", "Prescribings")."""
    for text in texts:
        found = _reserved_lookalike(text)
        if found is not None:
            return found
    return None


def builtin_lookalike(code: str | None) -> CatalogTask | None:
    """The built-in task whose code this one is in another case or spelling, or None."""
    return _BUILTIN_BY_KEY.get(name_key(code)) if name_key(code) else None


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
