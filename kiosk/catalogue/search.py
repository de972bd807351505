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

import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from pypinyin import Style, lazy_pinyin

from kiosk.catalogue.loader import Catalogue

SEPARATOR = "\n"
WARM_DEPTH = 200  # results kept for the precomputed one- and two-letter queries
MAX_QUERY = 40  # characters; longer input is cut (no catalogue name is that long)
PLACEHOLDER = "\x01"  # stands for punctuation so positions stay aligned; never in a query

TIER_NAME_EXACT = 6
TIER_NAME_PREFIX = 5
TIER_KEYWORD_EXACT = 5
TIER_KEYWORD_PREFIX = 4
TIER_NAME_SUBSTRING = 3
TIER_KEYWORD_SUBSTRING = 2


class SearchHit(NamedTuple):
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
    start: int  # in the hanzi blob (and the initials blob), or in the latin blob
    start_py: int
    length: int  # characters in the text (== initials length)
    py_len: int


def normalise_query(text: str) -> str:
    """Full-width to half-width, lower case, no spaces or separators."""
    t = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in t
                   if not ch.isspace() and ch not in (SEPARATOR, PLACEHOLDER))[:MAX_QUERY]


def _split_chars(chunk: str) -> list[str]:
    return list(chunk)


def _syllables(text: str) -> list[str]:
    out = []
    # pypinyin accepts a list from ``errors`` (one entry per character); its stubs say str.
    for syl in lazy_pinyin(text, style=Style.NORMAL, errors=_split_chars):  # type: ignore[arg-type]
        s = syl.lower()
        out.append(s if s.isalnum() and s.isascii() else PLACEHOLDER)
    if len(out) != len(text):  # pypinyin keeps one entry per character; be safe anyway
        out = [_syllables(ch)[0] if ch.strip() else PLACEHOLDER for ch in text]
    return out


class SearchIndex:
    """Built once per catalogue version (about 1 s for 10,000 items)."""

    def __init__(self, catalogue: Catalogue, cache_size: int = 512,
                 warm_pairs: bool = True) -> None:
        self.version = catalogue.version
        self._targets: list[tuple[str, bool]] = []
        self._static: list[float] = []
        self._entries: list[_Entry] = []
        han_parts: list[str] = []
        ini_parts: list[str] = []
        py_parts: list[str] = []
        lat_parts: list[str] = []
        han_owner: list[int] = []
        lat_owner: list[int] = []
        py_owner: list[int] = []
        py_char: list[int] = []
        py_syllable_start: list[bool] = []
        pos = {"han": 0, "lat": 0, "py": 0}
        syllable_cache: dict[str, list[str]] = {}
        boosts = {c.id: c.boost for c in catalogue.categories}

        def add(target: int, text: str, keyword: bool) -> None:
            text = normalise_query(text) if keyword else unicodedata.normalize("NFKC", text).lower()
            text = text.replace(SEPARATOR, " ").replace(PLACEHOLDER, " ")
            if not text:
                return
            entry_no = len(self._entries)
            if text.isascii():
                # Latin text (English names, abbreviations) needs no pinyin.
                self._entries.append(_Entry(target, keyword, pos["lat"], -1, len(text), 0))
                lat_parts.append(text + SEPARATOR)
                lat_owner.extend([entry_no] * (len(text) + 1))
                pos["lat"] += len(text) + 1
                return
            sylls = syllable_cache.get(text)
            if sylls is None:
                sylls = syllable_cache[text] = _syllables(text)
            py_text = "".join(sylls)
            self._entries.append(_Entry(target, keyword, pos["han"], pos["py"], len(text),
                                        len(py_text)))
            han_parts.append(text + SEPARATOR)
            ini_parts.append("".join(s[0] for s in sylls) + SEPARATOR)
            py_parts.append(py_text + SEPARATOR)
            han_owner.extend([entry_no] * (len(text) + 1))
            for i, s in enumerate(sylls):
                py_owner.extend([entry_no] * len(s))
                py_char.extend([i] * len(s))
                py_syllable_start.append(s != PLACEHOLDER)
                py_syllable_start.extend([False] * (len(s) - 1))
            py_owner.append(entry_no)
            py_char.append(len(text))
            py_syllable_start.append(False)
            pos["han"] += len(text) + 1
            pos["py"] += len(py_text) + 1

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

        self._han = "".join(han_parts)
        self._ini = "".join(ini_parts)
        self._py = "".join(py_parts)
        self._lat = "".join(lat_parts)
        # Code points padded past the end, so ``codes[pos + k]`` never runs off a blob.
        pad = "\n" * (MAX_QUERY + 1)
        self._codes: dict[str, np.ndarray] = {
            "han": np.frombuffer((self._han + pad).encode("utf-32-le"), dtype=np.uint32),
            "ini": np.frombuffer((self._ini + pad).encode("ascii"), dtype=np.uint8),
            "py": np.frombuffer((self._py + pad).encode("ascii"), dtype=np.uint8),
            "lat": np.frombuffer((self._lat + pad).encode("ascii"), dtype=np.uint8),
        }
        self._last_positions: dict[str, tuple[str, np.ndarray]] = {}
        # Positions grouped by character: the first keystroke is a slice, not a scan.
        self._by_code: dict[str, tuple[np.ndarray, dict[int, tuple[int, int]]]] = {}
        for key, codes in self._codes.items():
            order = np.argsort(codes, kind="stable")
            sorted_codes = codes[order]
            # Where each run of one character starts in the sorted order.
            cuts = np.flatnonzero(np.diff(sorted_codes)) + 1
            starts = np.concatenate(([0], cuts)).tolist()
            ends = np.concatenate((cuts, [len(sorted_codes)])).tolist()
            bounds = {int(sorted_codes[a]): (int(a), int(b))
                      for a, b in zip(starts, ends, strict=True)}
            self._by_code[key] = (order, bounds)
        self._han_owner = np.asarray(han_owner, dtype=np.int64)
        self._lat_owner = np.asarray(lat_owner, dtype=np.int64)
        self._py_owner = np.asarray(py_owner, dtype=np.int64)
        self._py_char = np.asarray(py_char, dtype=np.int64)
        self._py_syllable_start = np.asarray(py_syllable_start, dtype=bool)
        ents = self._entries
        self._e_target = np.asarray([e.target for e in ents], dtype=np.int64)
        self._e_keyword = np.asarray([e.keyword for e in ents], dtype=bool)
        self._e_start = np.asarray([e.start for e in ents], dtype=np.int64)
        self._e_start_py = np.asarray([e.start_py for e in ents], dtype=np.int64)
        self._e_length = np.asarray([e.length for e in ents], dtype=np.int64)
        self._e_py_len = np.asarray([e.py_len for e in ents], dtype=np.int64)
        self._static_arr = np.asarray(self._static, dtype=np.float64)
        self._target_index = {tid: i for i, (tid, _) in enumerate(self._targets)}
        self._cache: OrderedDict[str, _Ranked] = OrderedDict()
        self._cache_size = cache_size
        # The first two keystrokes match the most and cost the most: answer them from memory
        # (top results only, about 2 MB for 10,000 items).
        self._warm: dict[str, _Ranked] = {}
        letters = "abcdefghijklmnopqrstuvwxyz"
        warm = list(letters) + ([a + b for a in letters for b in letters] if warm_pairs else [])
        for q in warm:
            ranked = self._rank(self._match(q), None)
            if len(ranked.order):
                self._warm[q] = _truncate(ranked, WARM_DEPTH)
        self._last_positions.clear()

    def __len__(self) -> int:
        return len(self._targets)

    def search(self, text: str, limit: int = 50,
               boosts: Mapping[str, float] | None = None) -> list[SearchHit]:
        """Ranked hits for what the citizen typed so far; ``boosts`` by target id (e.g. recommended)."""
        query = normalise_query(text)
        if not query:
            return []
        ranked = self._rank(self._match(query), boosts) if boosts else self._cached(query, limit)
        targets = self._targets
        order, tier, score, span_a, span_b, how, target_of = ranked
        hits = []
        for k in order[:limit].tolist():
            t_index = int(target_of[k])
            span = None if how[k] == _KEYWORD else (int(span_a[k]), int(span_b[k]))
            hits.append(SearchHit(targets[t_index][0], targets[t_index][1], int(tier[k]),
                                  float(score[k]), span, _HOW[int(how[k])]))
        return hits

    def _cached(self, query: str, limit: int) -> _Ranked:
        if len(query) <= 2 and query.isascii() and limit <= WARM_DEPTH:
            return self._warm.get(query) or _NO_HITS
        ranked = self._cache.get(query)
        if ranked is not None:
            self._cache.move_to_end(query)
            return ranked
        ranked = self._rank(self._match(query), None)
        self._cache[query] = ranked
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return ranked

    def _positions(self, query: str, blob: str) -> np.ndarray:
        """Start offsets of ``query`` in one blob, narrowed from the previous keystroke's.

        Typing extends the query, and every match of ``abc`` starts where ``ab`` matched, so
        each keystroke only re-checks the previous candidates: vectorised, no Python loop.
        """
        codes = self._codes[blob]
        prev_query, prev_pos = self._last_positions.get(blob, ("", _EMPTY))
        if prev_query and query.startswith(prev_query):
            pos, done = prev_pos, len(prev_query)
        else:
            pos, done = self._first_char_positions(blob, query[0]), 1
        for k in range(done, len(query)):
            if not len(pos):
                break
            pos = pos[codes[pos + k] == ord(query[k])]
        self._last_positions[blob] = (query, pos)
        return pos

    def _first_char_positions(self, blob: str, ch: str) -> np.ndarray:
        sorted_pos, bounds = self._by_code[blob]
        lo_hi = bounds.get(ord(ch))
        return _EMPTY if lo_hi is None else sorted_pos[lo_hi[0]:lo_hi[1]]

    def _match(self, query: str) -> _Matches:
        """Every match as parallel arrays: target, tier, span start/end, how."""
        n = len(query)
        parts: list[_Matches] = []

        def plain(blob: str, owner: np.ndarray, how: int) -> None:
            pos = self._positions(query, blob)
            if not len(pos):
                return
            entry = owner[pos]
            local = pos - self._e_start[entry]
            keyword = self._e_keyword[entry]
            exact = (local == 0) & (self._e_length[entry] == n)
            parts.append(_classify(self._e_target[entry], local, exact, keyword, local + n, how))

        if not query.isascii():
            plain("han", self._han_owner, _NAME)
        else:
            plain("lat", self._lat_owner, _NAME)
            # Initials have one letter per character, so positions line up with the name.
            plain("ini", self._han_owner, _INITIALS)
            if n >= 2:
                pos = self._positions(query, "py")
                if len(pos):
                    pos = pos[self._py_syllable_start[pos]]
                if len(pos):
                    entry = self._py_owner[pos]
                    local = self._py_char[pos]
                    exact = (local == 0) & (pos + n - self._e_start_py[entry] == self._e_py_len[entry])
                    end = self._py_char[pos + n - 1] + 1
                    parts.append(_classify(self._e_target[entry], local, exact,
                                           self._e_keyword[entry], end, _PINYIN))
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return _Matches(empty, empty, empty, empty, empty)
        return _Matches(*(np.concatenate([getattr(p, f) for p in parts])
                          for f in _Matches._fields))

    def _rank(self, m: _Matches, boosts: Mapping[str, float] | None) -> _Ranked:
        if len(m.target):
            # Best tier per target: sort by target, then tier descending; keep the first.
            order = np.lexsort((-m.tier, m.target))
            first = np.ones(len(order), dtype=bool)
            first[1:] = m.target[order][1:] != m.target[order][:-1]
            keep = order[first]
        else:
            keep = np.zeros(0, dtype=np.int64)
        target = m.target[keep]
        tier = m.tier[keep]
        score = tier * 1000.0 + self._static_arr[target]
        if boosts:
            extra = np.zeros(len(self._targets))
            for tid, b in boosts.items():
                idx = self._target_index.get(tid)
                if idx is not None:
                    extra[idx] = b * 10.0
            score = score + extra[target]
        ranking = np.lexsort((target, -score))
        return _Ranked(ranking, tier, score, m.span_a[keep], m.span_b[keep], m.how[keep], target)


_NAME, _INITIALS, _PINYIN, _KEYWORD = 0, 1, 2, 3
_EMPTY = np.zeros(0, dtype=np.int64)
_HOW = ("name", "initials", "pinyin", "keyword")


class _Matches(NamedTuple):
    target: np.ndarray
    tier: np.ndarray
    span_a: np.ndarray
    span_b: np.ndarray
    how: np.ndarray


class _Ranked(NamedTuple):
    order: np.ndarray
    tier: np.ndarray
    score: np.ndarray
    span_a: np.ndarray
    span_b: np.ndarray
    how: np.ndarray
    target: np.ndarray


def _truncate(r: _Ranked, depth: int) -> _Ranked:
    """Keep the best ``depth`` hits, renumbered so ``order`` indexes the kept arrays."""
    keep = r.order[:depth]
    return _Ranked(np.arange(len(keep)), r.tier[keep], r.score[keep], r.span_a[keep],
                   r.span_b[keep], r.how[keep], r.target[keep])


_NO_HITS = _Ranked(*(np.zeros(0, dtype=np.int64) for _ in range(7)))


def _classify(target: np.ndarray, local: np.ndarray, exact: np.ndarray, keyword: np.ndarray,
              end: np.ndarray, how: int) -> _Matches:
    prefix = local == 0
    name_tier = np.where(exact, TIER_NAME_EXACT,
                         np.where(prefix, TIER_NAME_PREFIX, TIER_NAME_SUBSTRING))
    kw_tier = np.where(exact, TIER_KEYWORD_EXACT,
                       np.where(prefix, TIER_KEYWORD_PREFIX, TIER_KEYWORD_SUBSTRING))
    tier = np.where(keyword, kw_tier, name_tier)
    hows = np.where(keyword, _KEYWORD, how)
    return _Matches(target, tier, local, end, hows)
