"""The service catalogue as typed data: items, categories and themes (一件事一次办).

Everything a journey needs is here, so no item needs its own code. Models are strict and frozen;
cross-references (categories, theme items, shared fields) are checked by :mod:`.loader`, which
also turns pydantic's errors into lines naming the item id and the field.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ItemId = str
Kind = Literal["query", "apply", "print", "appointment"]
IdentMethod = Literal["id_card", "social_security_card", "face", "bank_card", "reference_number"]
FieldType = Literal["text", "textarea", "number", "phone", "date", "choice", "id_number",
                    "address", "email"]
# What the identity document tells us; a field with ``prefill`` set is never asked when known.
PrefillSource = Literal["name", "id_number", "sex", "birth_date", "address", "ethnicity",
                        "social_security_number"]
MaterialSource = Literal["document_camera", "electronic_licence"]
QuerySource = Literal["platform_query", "case_status"]

# The twelve categories of the brief, in display order (the same ids as kiosk/categories.py of
# the shell). The document carries their names.
STANDARD_CATEGORIES = (
    "social_security", "medical_insurance", "housing_fund", "household_registration", "exit_entry",
    "traffic", "tax", "utilities", "civil_affairs", "archives", "real_estate", "enterprise",
)

_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_FIELD_ID_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocalText(Strict):
    """A text in both languages; catalogue data carries its own translations."""

    zh_CN: str = Field(min_length=1)
    en_US: str = Field(min_length=1)

    def get(self, language: str) -> str:
        return self.en_US if language == "en_US" else self.zh_CN


class Category(Strict):
    id: str = Field(pattern=_ID_PATTERN)
    name: LocalText
    # Added to the search score of every item in the category (e.g. the busiest ones).
    boost: float = Field(default=0.0, ge=0.0, le=10.0)


class Region(Strict):
    """Who handles the item: the whole country, one province (xx0000) or one city (xxxx00)."""

    level: Literal["national", "province", "city"]
    code: str | None = Field(default=None, pattern=r"^\d{6}$")

    @model_validator(mode="after")
    def _code_fits_level(self) -> Region:
        if self.level == "national":
            if self.code is not None:
                raise ValueError("a national item has no region code")
        elif self.code is None:
            raise ValueError(f"a {self.level} item needs a 6-digit region code")
        elif self.level == "province" and not self.code.endswith("0000"):
            raise ValueError(f"province code must end in 0000 (got {self.code})")
        elif self.level == "city" and (self.code.endswith("0000") or not self.code.endswith("00")):
            raise ValueError(f"city code must end in 00 but not 0000 (got {self.code})")
        return self

    @property
    def province(self) -> str | None:
        """Two-digit province prefix, or None for national items."""
        return self.code[:2] if self.code else None


class Choice(Strict):
    value: str = Field(min_length=1, max_length=64)
    label: LocalText


class FieldMessages(Strict):
    """Error messages in the field's own words, overriding the generated ones."""

    required: LocalText | None = None
    format: LocalText | None = None


class FormField(Strict):
    id: str = Field(pattern=_FIELD_ID_PATTERN)
    label: LocalText
    type: FieldType = "text"
    required: bool = True
    min_length: int | None = Field(default=None, ge=0, le=2000)
    max_length: int | None = Field(default=None, ge=1, le=2000)
    min_value: float | None = None
    max_value: float | None = None
    regex: str | None = Field(default=None, max_length=500)
    choices: tuple[Choice, ...] = ()
    prefill: PrefillSource | None = None
    hint: LocalText | None = None
    messages: FieldMessages | None = None

    @field_validator("regex")
    @classmethod
    def _regex_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as e:
                raise ValueError(f"regex does not compile: {e}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        if self.type == "choice" and not self.choices:
            raise ValueError("a choice field needs choices")
        if self.type != "choice" and self.choices:
            raise ValueError(f"only choice fields have choices (type is {self.type})")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("choice values must be unique")
        if (self.min_length is not None and self.max_length is not None
                and self.min_length > self.max_length):
            raise ValueError("min_length is greater than max_length")
        if (self.min_value is not None and self.max_value is not None
                and self.min_value > self.max_value):
            raise ValueError("min_value is greater than max_value")
        return self


class Material(Strict):
    """A supporting document (申请材料) and how the kiosk obtains it."""

    id: str = Field(pattern=_FIELD_ID_PATTERN)
    name: LocalText
    source: MaterialSource
    # For the document camera (and as the fallback when no electronic licence exists).
    document_type: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    # For electronic licences (电子证照) fetched from the platform.
    licence_type: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    required: bool = True
    pages: int = Field(default=1, ge=1, le=20)

    @model_validator(mode="after")
    def _source_has_type(self) -> Material:
        if self.source == "document_camera" and not self.document_type:
            raise ValueError("a document_camera material needs document_type")
        if self.source == "electronic_licence" and not self.licence_type:
            raise ValueError("an electronic_licence material needs licence_type")
        return self


class PrintSpec(Strict):
    receipt_template: str = Field(default="receipt.default", pattern=r"^[a-z][a-z0-9_.]*$")
    # A4 certificate for print items (打印类).
    certificate_template: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_.]*$")


class Item(Strict):
    id: ItemId = Field(pattern=_ID_PATTERN)
    name: LocalText
    category: str
    kind: Kind
    region: Region
    cross_province: bool = False
    # Any one of these identifies the citizen; ``face_verification`` adds a live face check
    # against the platform's photo of the identified person.
    identification: tuple[IdentMethod, ...] = Field(min_length=1)
    face_verification: bool = False
    form: tuple[FormField, ...] = ()
    materials: tuple[Material, ...] = ()
    online_only: bool = False
    print: PrintSpec = PrintSpec()
    voice_prompt: LocalText | None = None
    department: LocalText | None = None
    next_steps: LocalText | None = None
    # Promised working days until the result (承诺办结时限); 0 = immediate.
    processing_days: int = Field(default=0, ge=0, le=365)
    query_source: QuerySource | None = None
    # Extra search words (aliases, abbreviations) and audience tags (e.g. "pension").
    keywords: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _kind_rules(self) -> Item:
        field_ids = [f.id for f in self.form]
        dupes = sorted({f for f in field_ids if field_ids.count(f) > 1})
        if dupes:
            raise ValueError(f"form field ids repeat: {', '.join(dupes)}")
        mat_ids = [m.id for m in self.materials]
        dupes = sorted({m for m in mat_ids if mat_ids.count(m) > 1})
        if dupes:
            raise ValueError(f"material ids repeat: {', '.join(dupes)}")
        if self.kind == "print":
            if not self.print.certificate_template:
                raise ValueError("a print item needs print.certificate_template")
            if not self.online_only:
                raise ValueError("a print item is online_only (its data comes from the platform)")
        if self.kind == "query":
            if self.materials:
                raise ValueError("a query item has no materials")
            if self.query_source is None:
                raise ValueError("a query item needs query_source")
        elif self.query_source is not None:
            raise ValueError("only query items have query_source")
        if "reference_number" in self.identification and self.query_source != "case_status":
            raise ValueError("reference_number identifies only for case_status queries")
        if "face" in self.identification and len(self.identification) == 1:
            raise ValueError("face alone cannot identify; list a card and set face_verification")
        if self.cross_province and self.region.level == "national":
            raise ValueError("a cross_province item is handled by a province or city, not national")
        return self


class Theme(Strict):
    """一件事一次办: several items filed together; a field id used by several is asked once."""

    id: str = Field(pattern=_ID_PATTERN)
    name: LocalText
    items: tuple[ItemId, ...] = Field(min_length=2)
    # Field ids the platform agreed to share between the items (checked to have one definition).
    shared_fields: tuple[str, ...] = ()
    voice_prompt: LocalText | None = None
    category: str | None = None


class CatalogueDocument(Strict):
    schema_version: Literal[1]
    version: str = Field(min_length=1, max_length=64)
    issued_at: str | None = None
    categories: tuple[Category, ...] = Field(min_length=1)
    items: tuple[Item, ...]
    themes: tuple[Theme, ...] = ()
