"""Parse, verify and index a catalogue document.

A bad document is refused as a whole with a :class:`CatalogueError` whose lines name the item (by
id, not index) and the field, so the platform team can fix it from the kiosk log. The kiosk then
keeps the catalogue it had.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kiosk.catalogue.model import CatalogueDocument, Category, FormField, Item, Theme

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class CatalogueError(Exception):
    """A catalogue document that cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        text = "invalid catalogue:\n  " + "\n  ".join(shown)
        if more > 0:
            text += f"\n  … and {more} more"
        super().__init__(text)


@dataclass(frozen=True)
class Catalogue:
    """A validated document with the look-ups journeys need."""

    document: CatalogueDocument
    items_by_id: Mapping[str, Item] = field(repr=False)
    themes_by_id: Mapping[str, Theme] = field(repr=False)
    categories_by_id: Mapping[str, Category] = field(repr=False)

    @property
    def version(self) -> str:
        return self.document.version

    @property
    def items(self) -> tuple[Item, ...]:
        return self.document.items

    @property
    def themes(self) -> tuple[Theme, ...]:
        return self.document.themes

    @property
    def categories(self) -> tuple[Category, ...]:
        return self.document.categories

    def item(self, item_id: str) -> Item:
        return self.items_by_id[item_id]

    def theme(self, theme_id: str) -> Theme:
        return self.themes_by_id[theme_id]

    def items_in(self, category_id: str) -> list[Item]:
        return [i for i in self.document.items if i.category == category_id]


def _loc_text(loc: Sequence[int | str], raw: Any) -> str:
    """``("items", 3, "form", 1, "regex")`` → ``item sb.print.jfzm: form[1].regex``."""
    parts: list[str] = []
    node: Any = raw
    prefix = ""
    i = 0
    while i < len(loc):
        key: Any = loc[i]
        if isinstance(key, int):
            parts[-1:] = [f"{parts[-1]}[{key}]" if parts else f"[{key}]"]
        else:
            parts.append(str(key))
        node = node[key] if isinstance(node, (list, dict)) and _has(node, key) else None
        if i == 1 and loc[0] in ("items", "themes", "categories") and isinstance(key, int):
            kind = {"items": "item", "themes": "theme", "categories": "category"}[str(loc[0])]
            ident = node.get("id") if isinstance(node, dict) else None
            prefix = f"{kind} {ident}" if isinstance(ident, str) else f"{kind} #{key} (no id)"
            parts = []
        i += 1
    path = ".".join(parts)
    if prefix:
        return f"{prefix}: {path}" if path else prefix
    return path or "document"


def _has(node: Any, key: Any) -> bool:
    if isinstance(node, list):
        return isinstance(key, int) and 0 <= key < len(node)
    return key in node


def _cross_check(doc: CatalogueDocument) -> list[str]:
    problems: list[str] = []
    cats = {c.id for c in doc.categories}
    seen: set[str] = set()
    for c in doc.categories:
        if c.id in seen:
            problems.append(f"category {c.id}: id repeats")
        seen.add(c.id)
    seen = set()
    by_id: dict[str, Item] = {}
    for item in doc.items:
        if item.id in seen:
            problems.append(f"item {item.id}: id repeats")
        seen.add(item.id)
        by_id[item.id] = item
        if item.category not in cats:
            problems.append(f"item {item.id}: category: unknown category '{item.category}'")
    theme_ids: set[str] = set()
    for theme in doc.themes:
        if theme.id in theme_ids or theme.id in by_id:
            problems.append(f"theme {theme.id}: id repeats (themes and items share one namespace)")
        theme_ids.add(theme.id)
        if theme.category is not None and theme.category not in cats:
            problems.append(f"theme {theme.id}: category: unknown category '{theme.category}'")
        members = [by_id.get(i) for i in theme.items]
        for item_id, member in zip(theme.items, members, strict=True):
            if member is None:
                problems.append(f"theme {theme.id}: items: unknown item '{item_id}'")
            elif member.kind not in ("apply", "appointment"):
                problems.append(f"theme {theme.id}: items: '{item_id}' is a {member.kind} item; "
                                "themes bundle apply/appointment items")
        if len(set(theme.items)) != len(theme.items):
            problems.append(f"theme {theme.id}: items: an item is listed twice")
        definitions: dict[str, list[tuple[str, FormField]]] = {}
        for member in members:
            if member is None:
                continue
            for f in member.form:
                definitions.setdefault(f.id, []).append((member.id, f))
        for field_id in theme.shared_fields:
            defs = definitions.get(field_id, [])
            if len(defs) < 2:
                problems.append(f"theme {theme.id}: shared_fields: '{field_id}' is not a field of "
                                "two or more of its items")
        for field_id, defs in definitions.items():
            types = {(f.type, f.choices) for _, f in defs}
            if len(types) > 1:
                owners = ", ".join(i for i, _ in defs)
                problems.append(f"theme {theme.id}: field '{field_id}' is defined differently in "
                                f"{owners}; a field asked once needs one definition")
    return problems


def parse_catalogue(body: bytes) -> Catalogue:
    """Validate a JSON document and index it; raise :class:`CatalogueError` with every problem."""
    if len(body) > MAX_DOCUMENT_BYTES:
        raise CatalogueError([f"document is {len(body)} bytes; the limit is {MAX_DOCUMENT_BYTES}"])
    try:
        raw = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise CatalogueError([f"not valid JSON: {e}"]) from None
    if not isinstance(raw, dict):
        raise CatalogueError([f"the document must be a JSON object, not {type(raw).__name__}"])
    try:
        doc = CatalogueDocument.model_validate_json(body)
    except ValidationError as e:
        lines = []
        for err in e.errors(include_url=False):
            where = _loc_text(err["loc"], raw)
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {msg}")
        raise CatalogueError(lines) from None
    problems = _cross_check(doc)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(
        document=doc,
        items_by_id={i.id: i for i in doc.items},
        themes_by_id={t.id: t for t in doc.themes},
        categories_by_id={c.id: c for c in doc.categories},
    )


def load_catalogue_file(path: Path) -> Catalogue:
    try:
        body = path.read_bytes()
    except OSError as e:
        raise CatalogueError([f"{path}: cannot be read: {e.strerror}"]) from None
    try:
        return parse_catalogue(body)
    except CatalogueError as e:
        raise CatalogueError([f"{path}: {p}" for p in e.problems]) from None


class SignatureVerifier:
    """Ed25519 over the exact document bytes; the platform's public key comes from config.

    With no key configured (demo) every document passes — production.toml must set one.
    """

    def __init__(self, public_key_b64: str = "") -> None:
        self._key: Any = None
        if public_key_b64:
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

            try:
                raw = base64.b64decode(public_key_b64, validate=True)
                self._key = Ed25519PublicKey.from_public_bytes(raw)
            except (binascii.Error, ValueError) as e:
                raise CatalogueError([f"catalogue public key is not a base64 Ed25519 key: {e}"]) from None

    @property
    def required(self) -> bool:
        return self._key is not None

    def verify(self, body: bytes, signature: bytes | None) -> bool:
        if self._key is None:
            return True
        if not signature:
            return False
        from cryptography.exceptions import InvalidSignature

        try:
            self._key.verify(signature, body)
        except InvalidSignature:
            return False
        return True
