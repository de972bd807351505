"""Checking one answer against its field, with the error in the field's own words.

Each check normalises what was typed (spaces in a phone number, a lower-case x in an ID number,
2024/3/5 for a date) and returns either the clean value or a message saying what to do. The
catalogue's own wording (``messages.required`` / ``messages.format``) wins over the generated one.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from kiosk.catalogue.model import FormField
from kiosk.catalogue.regions import id_number_facts
from kiosk.journeys.messages import Message, literal, msg

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


@dataclass(frozen=True)
class Checked:
    value: str
    error: Message | None = None


def _format_error(field: FormField, default: Message) -> Message:
    if field.messages is not None and field.messages.format is not None:
        return literal(field.messages.format)
    return default


def _required_error(field: FormField) -> Message:
    if field.messages is not None and field.messages.required is not None:
        return literal(field.messages.required)
    if field.type == "choice":
        return msg("journeys.error.choose", label=field.label)
    if field.type == "phone":
        return msg("journeys.error.phone")
    if field.type == "date":
        return msg("journeys.error.date_required", label=field.label)
    return msg("journeys.error.required", label=field.label)


def normalise(field: FormField, raw: str) -> str:
    value = raw.strip()
    if field.type in ("phone", "id_number", "number"):
        value = re.sub(r"[\s\-]", "", value)
    if field.type == "id_number":
        value = value.upper()
    if field.type == "date":
        value = value.replace(" ", "")
        m = _DATE.match(value) or _DATE_COMPACT.match(value)
        if m:
            try:
                value = dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                pass
    return value


def check(field: FormField, raw: str) -> Checked:
    """The normalised value, plus an error message when it is not acceptable."""
    value = normalise(field, raw)
    if not value:
        return Checked(value, _required_error(field) if field.required else None)
    t = field.type
    if t == "phone" and not _PHONE.match(value):
        return Checked(value, _format_error(field, msg("journeys.error.phone")))
    if t == "id_number" and id_number_facts(value) is None:
        return Checked(value, _format_error(field, msg("journeys.error.id_number")))
    if t == "email" and not _EMAIL.match(value):
        return Checked(value, _format_error(field, msg("journeys.error.email")))
    if t == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return Checked(value, _format_error(field, msg("journeys.error.date", label=field.label)))
    if t == "choice" and value not in {c.value for c in field.choices}:
        return Checked(value, _format_error(field, msg("journeys.error.choose", label=field.label)))
    if t == "number":
        try:
            number = float(value)
            if not math.isfinite(number):
                raise ValueError(value)
        except ValueError:
            return Checked(value, _format_error(field, msg("journeys.error.number",
                                                           label=field.label)))
        if field.min_value is not None and number < field.min_value:
            return Checked(value, msg("journeys.error.number_min", label=field.label,
                                      min=_num(field.min_value)))
        if field.max_value is not None and number > field.max_value:
            return Checked(value, msg("journeys.error.number_max", label=field.label,
                                      max=_num(field.max_value)))
    if field.min_length is not None and len(value) < field.min_length:
        return Checked(value, _format_error(field, msg("journeys.error.too_short",
                                                       label=field.label, n=field.min_length)))
    if field.max_length is not None and len(value) > field.max_length:
        return Checked(value, msg("journeys.error.too_long", label=field.label, n=field.max_length))
    if field.regex is not None and not re.fullmatch(field.regex, value):
        return Checked(value, _format_error(field, msg("journeys.error.format", label=field.label)))
    return Checked(value)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
