"""Search as you type: Chinese text, full pinyin and pinyin initials (sbjf → 社保缴费).

Everything slow happens once, at :class:`SearchIndex` construction: pypinyin runs over every name
and keyword, and the results are laid out as three long strings (names, initials, full pinyin)
with a per-character owner table. A keystroke is then a few C-speed ``re.finditer`` scans plus a
sort of the matches, whatever the catalogue size. Initials and pinyin are kept one entry per name
character so a match maps straight back to the characters to highlight.

Ranking, best first: exact name > name prefix (also exact keyword) > keyword prefix > substring
(pinyin only at syllable starts) > keyword substring; within a tier, the category's boost, any
caller boost (recommendations) and then shorter names win; ties keep catalogue order.
"""

from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from kiosk.catalogue.loader import Catalogue

SEPARATOR = "\n"
PLACEHOLDER = "\x01"  # stands for punctuation so positions stay aligned; never in a query

TIER_NAME_EXACT = 6
TIER_NAME_PREFIX = 5
TIER_KEYWORD_EXACT = 5
TIER_KEYWORD_PREFIX = 4
TIER_NAME_SUBSTRING = 3
TIER_KEYWORD_SUBSTRING = 2


@dataclass(frozen=True)
class SearchHit:
    target_id: str
    is_theme: bool
    tier: int
    score: float
    # Characters of the zh_CN name to highlight (start, end); None when a keyword matched.
    span: tuple[int, int] | None
    matched: str  # "name" | "initials" | "pinyin" | "keyword"


@dataclass(frozen=True)
class _Entry:
    target: int  # index into _targets
    keyword: bool
    start_zh: int
    start_py: int
    length: int  # characters in the text (== initials length)
    py_len: int


def normalise_query(text: str) -> str:
    """Full-width to half-width, lower case, no spaces or separators."""
    t = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in t if not ch.isspace() and ch not in (SEPARATOR, PLACEHOLDER))


def _syllables(text: str) -> list[str]:
    out = []
    for syl in lazy_pinyin(text, style=Style.NORMAL, errors=lambda chunk: list(chunk)):
        s = syl.lower()
        out.append(s if s.isalnum() and s.isascii() else PLACEHOLDER)
    if len(out) != len(text):  # pypinyin keeps one entry per character; be safe anyway
        out = [_syllables(ch)[0] if ch.strip() else PLACEHOLDER for ch in text]
    return out


class SearchIndex:
    """Built once per catalogue version (about 1 s for 10,000 items)."""

    def __init__(self, catalogue: Catalogue, cache_size: int = 512) -> None:
        self.version = catalogue.version
        self._targets: list[tuple[str, bool]] = []
        self._static: list[float] = []
        self._entries: list[_Entry] = []
        zh_parts: list[str] = []
        ini_parts: list[str] = []
        py_parts: list[str] = []
        zh_owner: list[int] = []
        py_owner: list[int] = []
        py_char: list[int] = []
        py_syllable_start: list[bool] = []
        zh_pos = py_pos = 0
        boosts = {c.id: c.boost for c in catalogue.categories}

        def add(target: int, text: str, keyword: bool) -> None:
            nonlocal zh_pos, py_pos
            text = normalise_query(text) if keyword else unicodedata.normalize("NFKC", text).lower()
            text = text.replace(SEPARATOR, " ")
            if not text:
                return
            sylls = _syllables(text)
            entry_no = len(self._entries)
            py_text = "".join(sylls)
            self._entries.append(_Entry(target, keyword, zh_pos, py_pos, len(text), len(py_text)))
            zh_parts.append(text + SEPARATOR)
            ini_parts.append("".join(s[0] for s in sylls) + SEPARATOR)
            py_parts.append(py_text + SEPARATOR)
            zh_owner.extend([entry_no] * (len(text) + 1))
            for i, s in enumerate(sylls):
                py_owner.extend([entry_no] * len(s))
                py_char.extend([i] * len(s))
                py_syllable_start.extend([True] + [False] * (len(s) - 1))
            py_owner.append(entry_no)
            py_char.append(len(text))
            py_syllable_start.append(False)
            zh_pos += len(text) + 1
            py_pos += len(py_text) + 1

        def add_target(target_id: str, is_theme: bool, names: Iterable[tuple[str, bool]],
                       boost: float, name_len: int) -> None:
            index = len(self._targets)
            self._targets.append((target_id, is_theme))
            # Shorter names first within a tier; boosts dominate length.
            self._static.append(boost * 10.0 + max(0.0, 5.0 - name_len / 10.0))
            for text, keyword in names:
                add(index, text, keyword)

        for item in catalogue.items:
            add_target(item.id, False,
                       [(item.name.zh_CN, False), (item.name.en_US, True),
                        *((k, True) for k in item.keywords)],
                       boosts.get(item.category, 0.0), len(item.name.zh_CN))
        for theme in catalogue.themes:
            add_target(theme.id, True, [(theme.name.zh_CN, False), (theme.name.en_US, True)],
                       boosts.get(theme.category or "", 0.0) + 1.0, len(theme.name.zh_CN))

        self._zh = "".join(zh_parts)
        self._ini = "".join(ini_parts)
        self._py = "".join(py_parts)
        self._zh_owner = zh_owner
        self._py_owner = py_owner
        self._py_char = py_char
        self._py_syllable_start = py_syllable_start
        self._cache: OrderedDict[str, list[SearchHit]] = OrderedDict()
        self._cache_size = cache_size
        # The first keystroke is the one with the most matches: answer it from memory.
        for letter in "abcdefghijklmnopqrstuvwxyz":
            self._cached(letter)

    def __len__(self) -> int:
        return len(self._targets)

    def search(self, text: str, limit: int = 50,
               boosts: Mapping[str, float] | None = None) -> list[SearchHit]:
        """Ranked hits for what the citizen typed so far; ``boosts`` by target id (e.g. recommended)."""
        query = normalise_query(text)
        if not query:
            return []
        if boosts:
            hits = self._rank(self._match(query), boosts)
        else:
            hits = self._cached(query)
        return hits[:limit]

    def _cached(self, query: str) -> list[SearchHit]:
        hits = self._cache.get(query)
        if hits is not None:
            self._cache.move_to_end(query)
            return hits
        hits = self._rank(self._match(query), None)
        self._cache[query] = hits
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return hits

    def _match(self, query: str) -> dict[int, tuple[int, tuple[int, int] | None, str]]:
        best: dict[int, tuple[int, tuple[int, int] | None, str]] = {}
        pattern = re.compile(re.escape(query))
        n = len(query)
        entries = self._entries

        def offer(entry: _Entry, local: int, end_char: int, length_match: bool, how: str) -> None:
            if entry.keyword:
                tier = (TIER_KEYWORD_EXACT if length_match else TIER_KEYWORD_PREFIX) if local == 0 \
                    else TIER_KEYWORD_SUBSTRING
                span = None
                how = "keyword"
            else:
                tier = (TIER_NAME_EXACT if length_match else TIER_NAME_PREFIX) if local == 0 \
                    else TIER_NAME_SUBSTRING
                span = (local, end_char)
            old = best.get(entry.target)
            if old is None or tier > old[0]:
                best[entry.target] = (tier, span, how)

        owner = self._zh_owner
        for m in pattern.finditer(self._zh):
            entry = entries[owner[m.start()]]
            local = m.start() - entry.start_zh
            offer(entry, local, local + n, local == 0 and n == entry.length, "name")
        if not query.isascii():
            return best
        # Initials have one letter per character, so positions line up with the name.
        for m in pattern.finditer(self._ini):
            entry = entries[owner[m.start()]]
            local = m.start() - entry.start_zh
            offer(entry, local, local + n, local == 0 and n == entry.length, "initials")
        if n >= 2:
            py_owner, py_char, starts = self._py_owner, self._py_char, self._py_syllable_start
            for m in pattern.finditer(self._py):
                pos = m.start()
                if not starts[pos]:
                    continue
                entry = entries[py_owner[pos]]
                local_char = py_char[pos]
                end_char = py_char[m.end() - 1] + 1
                full = local_char == 0 and m.end() - entry.start_py == entry.py_len
                offer(entry, local_char, end_char, full, "pinyin")
        return best

    def _rank(self, best: Mapping[int, tuple[int, tuple[int, int] | None, str]],
              boosts: Mapping[str, float] | None) -> list[SearchHit]:
        static = self._static
        targets = self._targets
        scored = []
        for target, (tier, span, how) in best.items():
            score = tier * 1000.0 + static[target]
            if boosts:
                score += boosts.get(targets[target][0], 0.0) * 10.0
            scored.append((-score, target, tier, span, how))
        scored.sort()
        return [SearchHit(targets[t][0], targets[t][1], tier, -neg, span, how)
                for neg, t, tier, span, how in scored]
