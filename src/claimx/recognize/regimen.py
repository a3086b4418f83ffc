"""DOSE, ROUTE, FREQUENCY and DURATION mentions, with their values parsed.

The grammars are data: regex templates in rules/patterns/regimen.yml whose placeholders (@NUM@,
@UNIT@, @TIME@...) are filled from rules/cues/units.yml, frequencies.yml and routes.yml. A
`RegimenFinder` compiles them once; `find(text)` runs them over the whole text and returns
`Found`s whose `data` carries the parsed values:

- DOSE: low, high (as stated; a range is never averaged), values (lists), unit (as written),
  ucum, dimension, canonical_unit, low_canonical, high_canonical, comparator, qualifier
  ("high-dose", "overdose": no numbers), period_days ("2300 mg in 3 days").
- ROUTE: norm = the controlled route name (oral, intravenous, ...).
- FREQUENCY: per_day (None for prn and patterns without a rate), per_day_low/high, prn.
- DURATION: days, days_low, days_high, comparator (None when the text gives no length).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from spacy.language import Language

from claimx.errors import RuleError
from claimx.normalize.numbers import (
    NUMBER_WORD,
    ORDINAL_WORD,
    SPELLED_NUMBER,
    parse_number,
    parse_ordinal,
)
from claimx.normalize.units import (
    FREQUENCIES_FILE,
    DoseUnit,
    alternation,
    load_time_units,
    load_units,
    lower_same_length,
    parse_factor,
    unit_key,
)
from claimx.recognize.base import Found, TextRecognizer, drop_overlaps
from claimx.rules import read_yaml, rules_dir

PATTERNS_FILE = "patterns/regimen.yml"
ROUTES_FILE = "cues/routes.yml"
REGIMEN_LABELS = ("DOSE", "ROUTE", "FREQUENCY", "DURATION")
KINDS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "DOSE": frozenset(
            {"list", "range", "spread", "bound", "single", "components", "qualitative"}
        ),
        "FREQUENCY": frozenset({"times", "every", "fixed", "cycle"}),
        "DURATION": frozenset({"for", "course", "ordinal"}),
    }
)
PATTERN_KEYS = frozenset({"id", "label", "kind", "regex"})
OPTIONAL_KEYS = frozenset({"gate", "word_start", "start"})
ROUTE_RULE_ID = "route-cue"

# A number as written: "12", "12.5", ".5", "0·5", "1,000", or spelled ("twenty-five").
NUMBER = (
    r"(?:(?<![\w.\u00b7/])(?:(?:\d+\s)?[1-7]/[2-8](?![\d/])"  # "1/2", "4 1/2"
    r"|(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:[.\u00b7]\d+)?|[.\u00b7]\d+)"
    rf"|\b{SPELLED_NUMBER}\b)"
)
GAP = r"(?:\s?[-\u2010\u2011]\s?|\s{0,2})"
TO = r"(?:\s*[-\u2010\u2011\u2012\u2013\u2014~]\s*|\s+to\s+)"
_KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The last word before a number, past brackets, comparators and "about", "of", "or".
_LEAD_WORD = re.compile(
    r"([^\W\d_]+)[\s(,:=~\u2248<>\u2264\u2265]*"
    r"(?:(?:about|approximately|or|of|mean|average|median|between|from)[\s(,:=~<>]*){0,3}"
    r"(?:\d[\d.,]{0,12}\s*(?:[-\u2013]|to|and)\s*)?$"
)
_WORD_EDGE = r"[^a-z0-9._]"  # before a word in the lower-cased text (not after a dot)
_DEFINED = re.compile(r"\(\s*([A-Z]{2,3})\s*\)")
_COORDINATED = re.compile(r"\s*(?:and|or|and/or)\s+([^\W\d_][\w.-]*)", re.IGNORECASE)
_NEXT_WORD = re.compile(r"[\s\-]*([^\W\d_]+)")
_PREV_WORD = re.compile(r"([^\W\d_][\w-]*)[\s(]*$")
_SENTENCE_BREAK = re.compile(r"[.!?]\s+(?=[A-Z(\d])|\n")
_ROMAN_NEAR = re.compile(r"\b[IVX]{1,4}(?:\s*[-\u2013/,]|\s+(?:and|or|to))\s*$")
_ROMAN_AFTER = re.compile(r"^\s*[-\u2013/]\s*[IVX]{1,4}\b")
_DETERMINERS = frozenset({"a", "the", "this", "that", "its", "their", "his", "her", "our"})
_EVERY_WORDS = MappingProxyType({"other": 2.0, "second": 2.0, "third": 3.0, "fourth": 4.0})
_PER_WORDS = MappingProxyType(
    {"daily": 1.0, "nightly": 1.0, "weekly": 7.0, "monthly": 365.25 / 12, "yearly": 365.25,
     "annually": 365.25, "hourly": 1 / 24}
)  # fmt: skip
_WINDOW = 150  # characters before a "for"/"over" duration searched for an administration cue
_MAX_PER_DAY = 48  # more often than every 30 minutes is a measurement, not a dosing rate
_GATE_BEFORE = 70  # a gated pattern may start this far before its gate's match ...
_GATE_AFTER = 60  # ... and end this far after it
_LOOK_PAST = 80  # a windowed match may run this far past its window's end


@dataclass(frozen=True, slots=True)
class Pattern:
    """One compiled grammar rule of rules/patterns/regimen.yml.

    `gate`: cheap regexes; the pattern runs only in windows around their matches (no gate:
    over the whole text). `head`: for a word-start pattern, the same pattern without the edge
    character, tried at offset 0 only (`regex` then starts with the non-letter before a word).
    `start`: for a word-start pattern, finds the edge characters before the words where a
    match can begin (the rule's `start` holds there). Such a pattern is tried only at those
    words (`match_at`), and `regex` is then the pattern without the edge character.
    """

    id: str
    label: str
    kind: str
    regex: re.Pattern[str]
    gate: tuple[re.Pattern[str], ...] = ()
    head: re.Pattern[str] | None = None
    start: re.Pattern[str] | None = None

    def finditer(self, low: str, lo: int = 0, hi: int | None = None) -> Iterator[re.Match[str]]:
        """Matches that start within low[lo:hi]; they may end past `hi`, and look-aheads see
        the text after it (a window never cuts a unit short)."""
        if self.start is not None:
            raise ValueError(f"pattern {self.id} has a start: use match_at")
        hi = len(low) if hi is None else hi
        end = min(len(low), hi + _LOOK_PAST)
        if self.head is not None:
            if lo == 0:
                m = self.head.match(low, 0, end)
                if m:
                    yield m
            lo = max(0, lo - 1)  # the edge character of a word starting at `lo`
        for m in self.regex.finditer(low, lo, end):
            if m.start() >= hi:
                break
            yield m

    def starts(self, low: str, lo: int, hi: int) -> list[int]:
        """The positions in low[lo - 1:hi] where `start` says a match of a word-start pattern
        may begin (its edge character), seeing the same text as `finditer` does."""
        if self.start is None:
            raise ValueError(f"pattern {self.id} has no start")
        out = []
        for m in self.start.finditer(low, max(0, lo - 1), min(len(low), hi + _LOOK_PAST)):
            if m.start() >= hi:
                break
            out.append(m.start())
        return out

    def match_at(
        self, low: str, starts: Sequence[int], lo: int, hi: int
    ) -> Iterator[re.Match[str]]:
        """What scanning low[lo:hi] for the pattern finds (as `finditer` does for a pattern
        without a start), trying it only after the edge characters in `starts` (from
        `starts(low, lo, hi)`). Exact: every match begins at such a word, so the first of
        them at or after a position is the match a scan from there would find."""
        end = min(len(low), hi + _LOOK_PAST)
        if lo == 0:
            m = self.regex.match(low, 0, end)  # a word at offset 0 has no edge character
            if m:
                yield m
        pos = max(0, lo - 1)
        for at in starts:
            if at < pos:
                continue  # inside the previous match: a scan never overlaps its matches
            m = self.regex.match(low, at + 1, end)
            if m:
                yield m
                pos = m.end()


def _words(data: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise RuleError(f"{path}: '{key}' must be a list of words")
    return tuple(str(v) for v in value)


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class RegimenFinder:
    """DOSE/ROUTE/FREQUENCY/DURATION finder over text, compiled once from a rules folder."""

    def __init__(self, rules: Path) -> None:
        self.units = load_units(rules)
        # A corpus writes few distinct units, most of them many times: parse each once.
        self._parse_unit = lru_cache(maxsize=4096)(self.units.parse)
        self.times = load_time_units(rules)
        self._read_frequencies(rules / FREQUENCIES_FILE)
        self._read_routes(rules / ROUTES_FILE)
        self._read_patterns(rules / PATTERNS_FILE)
        suffixes = "|".join(re.escape(s) for s in self.units.percent_suffixes)
        self._percent_next = re.compile(r"\s*(?:[-\u2010]\s*)?([^\W\d_][\w/-]*)")
        self._drug_like = re.compile(rf"[a-z]{{2,}}(?:{suffixes})") if suffixes else None

    # ---- reading the rules ------------------------------------------------------------------
    def _read_frequencies(self, path: Path) -> None:
        data = read_yaml(path)
        fixed = data.get("fixed") if isinstance(data, dict) else None
        if not isinstance(fixed, list):
            raise RuleError(f"{path}: 'fixed' must be a list of {{per_day, surfaces}} entries")
        exact = frozenset(_words(data, "exact_case", path))
        table: dict[str, tuple[float | None, bool]] = {}
        items: list[tuple[str, bool]] = []
        for n, entry in enumerate(fixed, 1):
            where = f"{path}: fixed[{n}]"
            if not isinstance(entry, dict) or not entry.get("surfaces") or "per_day" not in entry:
                raise RuleError(f"{where}: needs per_day (a number or null) and surfaces")
            unknown = set(entry) - {"per_day", "prn", "surfaces"}
            if unknown:
                raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
            per_day = None if entry["per_day"] is None else parse_factor(entry["per_day"], where)
            for surface in entry["surfaces"]:
                surface = str(surface)
                key = unit_key(surface)
                value = (per_day, bool(entry.get("prn", False)))
                if table.get(key, value) != value:
                    raise RuleError(f"{where}: surface {surface!r} already has another rate")
                table[key] = value
                items.extend(_dot_variants(surface, surface in exact))
        self._fixed: Mapping[str, tuple[float | None, bool]] = MappingProxyType(table)
        # Surfaces that count only in the case written in the rules file.
        self._fixed_exact = frozenset(unit_key(w) for w in exact)
        self._fixed_exact_forms = frozenset(
            f for w in exact for f in (w, w[:-1] if w.endswith(".") and w.count(".") > 1 else w)
        )
        self._fixed_regex = alternation(items)
        self._freq_not_before = frozenset(w.lower() for w in _words(data, "not_before", path))
        self._freq_not_after = frozenset(w.lower() for w in _words(data, "not_after", path))

    def _read_routes(self, path: Path) -> None:
        data = read_yaml(path)
        routes = data.get("routes") if isinstance(data, dict) else None
        if not isinstance(routes, dict):
            raise RuleError(f"{path}: 'routes' must be a mapping of route name -> surfaces")
        norms: dict[str, str] = {}
        loose: set[str] = set()  # keys that some case-insensitive surface gives
        exact_forms: set[str] = set()
        not_before: dict[str, frozenset[str]] = {}
        items: list[tuple[str, bool]] = []
        for norm, entry in routes.items():
            where = f"{path}: routes.{norm}"
            if not isinstance(entry, dict) or not entry.get("surfaces"):
                raise RuleError(f"{where}: needs a surfaces list")
            unknown = set(entry) - {"surfaces", "abbreviations", "not_before"}
            if unknown:
                raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
            not_before[str(norm)] = frozenset(w.lower() for w in _words(entry, "not_before", path))
            for exact, key in ((False, "surfaces"), (True, "abbreviations")):
                for surface in _words(entry, key, path):
                    k = unit_key(surface)
                    if norms.get(k, norm) != norm:
                        raise RuleError(f"{where}: {surface!r} is already a surface of {norms[k]}")
                    norms[k] = str(norm)
                    norms[k.replace(" ", "")] = norms.get(k.replace(" ", ""), str(norm))
                    variants = _dot_variants(surface, exact)
                    items.extend(variants)
                    for form, _ in variants:
                        if exact:
                            exact_forms.add(form)
                        else:
                            loose.update((unit_key(form), unit_key(form).replace(" ", "")))
        nouns = _words(data, "administration_nouns", path)
        self._route_norms: Mapping[str, str] = MappingProxyType(norms)
        self._route_loose = frozenset(loose)
        self._route_exact = frozenset(exact_forms)
        self._route_not_before: Mapping[str, frozenset[str]] = MappingProxyType(not_before)
        self._roman = frozenset(w.lower() for w in _words(data, "roman_context", path))
        noun_alt = alternation([(n, False) for n in nouns])
        body = (
            rf"(?P<route>{alternation(items)})"
            rf"(?P<noun>[\s-]+(?:bolus[\s-]+)?{noun_alt})?(?![\w])"
        )
        # run on the lower-cased text, from the non-letter before a word (see Pattern.head)
        self._route = Pattern(
            ROUTE_RULE_ID, "ROUTE", "route", re.compile(_WORD_EDGE + body), (), re.compile(body)
        )

    def _read_patterns(self, path: Path) -> None:
        data = read_yaml(path)
        entries = data.get("patterns") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise RuleError(f"{path}: 'patterns' must be a list of {{id, label, kind, regex}}")
        fills = {
            "@NUM@": NUMBER,
            "@UNIT@": self.units.regex,
            "@GAP@": GAP,
            "@TO@": TO,
            "@TIME@": self.times.regex,
            "@ORD@": f"(?:{ORDINAL_WORD})",
            "@SPELLED@": f"(?:{SPELLED_NUMBER})",
            "@NUMWORD@": f"(?:{NUMBER_WORD})",
            "@FIXED@": self._fixed_regex,
        }
        patterns: list[Pattern] = []
        seen: set[str] = set()
        for n, entry in enumerate(entries, 1):
            where = f"{path}: patterns[{n}]"
            if not isinstance(entry, dict) or not (
                PATTERN_KEYS <= set(entry) <= PATTERN_KEYS | OPTIONAL_KEYS
            ):
                raise RuleError(
                    f"{where}: needs the keys {sorted(PATTERN_KEYS)} (optional: "
                    f"{sorted(OPTIONAL_KEYS)})"
                )
            pid, label, kind, template = (str(entry[k]) for k in ("id", "label", "kind", "regex"))
            if not _KEBAB.fullmatch(pid) or pid in seen:
                raise RuleError(f"{where}: id {pid!r} must be kebab-case and unique")
            seen.add(pid)
            if label not in KINDS or kind not in KINDS[label]:
                raise RuleError(
                    f"{where}: label/kind {label}/{kind} unknown; expected one of "
                    + ", ".join(f"{lab}/{k}" for lab, ks in KINDS.items() for k in sorted(ks))
                )
            gates = entry.get("gate") or []
            gates = [gates] if isinstance(gates, str) else gates
            if not isinstance(gates, list):
                raise RuleError(f"{where} ({pid}): gate must be a regex or a list of regexes")
            gate = tuple(_compile(str(g), fills, f"{where} ({pid} gate)") for g in gates)
            head = start = None
            if entry.get("start"):
                if not entry.get("word_start"):
                    raise RuleError(f"{where} ({pid}): start needs word_start: true")
                # The non-letter before a word where `start` holds; the pattern is then tried
                # at that word only, so it needs no edge character of its own.
                start = _compile(f"{_WORD_EDGE}(?={entry['start']})", fills, f"{where} ({pid})")
                template = f"(?P<w>{template})"
            elif entry.get("word_start"):
                # Matches only where a word starts: scanning from the non-letter before it is
                # much faster in `re` than trying every letter (group `w` holds the mention).
                head = _compile(f"(?P<w>{template})", fills, f"{where} ({pid})")
                template = f"{_WORD_EDGE}(?P<w>{template})"
            regex = _compile(template, fills, f"{where} ({pid})")
            patterns.append(Pattern(pid, label, kind, regex, gate, head, start))
        self.patterns: tuple[Pattern, ...] = tuple(patterns)
        self._by_label: Mapping[str, tuple[Pattern, ...]] = MappingProxyType(
            {lab: tuple(p for p in patterns if p.label == lab) for lab in KINDS}
        )
        cues = _any_of(re.escape(c) for c in _words(data, "administration_cues", path))
        self._cues = re.compile(rf"\b{cues}", re.IGNORECASE)
        not_before = _any_of(_flex(w) for w in _words(data, "duration_not_before", path))
        not_after = _any_of(_flex(w) for w in _words(data, "duration_not_after", path))
        self._dur_not_before = re.compile(rf"^[\s,]*{not_before}\b", re.IGNORECASE)
        self._dur_not_after = re.compile(rf"\b{not_after}\b[\w\s,-]{{0,40}}$", re.IGNORECASE)

    # ---- finding ----------------------------------------------------------------------------
    def find(self, text: str) -> list[Found]:
        """All DOSE, ROUTE, FREQUENCY and DURATION mentions of `text` (longest per label)."""
        low = lower_same_length(text)
        doses = drop_overlaps(self._doses(text, low))
        routes = drop_overlaps(self._routes(text, low))
        freqs = drop_overlaps(self._frequencies(text, low, doses))
        context = sorted(doses + routes + freqs, key=lambda f: f.start)
        durations = drop_overlaps(self._durations(text, low, context))
        return sorted(doses + routes + freqs + durations, key=lambda f: (f.start, f.end, f.label))

    def _matches(self, label: str, low: str) -> list[tuple[Pattern, re.Match[str]]]:
        """Matches of the label's patterns in the lower-cased text (offsets = the original's),
        pattern by pattern in rules-file order, each pattern's in text order."""
        out: list[tuple[Pattern, re.Match[str]]] = []
        windows: dict[tuple[re.Pattern[str], ...], list[tuple[int, int]]] = {}
        # Where matches may begin, per window; shared by the patterns of one gate and start.
        starts: dict[tuple[tuple[re.Pattern[str], ...], re.Pattern[str]], list[list[int]]] = {}
        for p in self._by_label[label]:
            spans = windows.get(p.gate)
            if spans is None:
                spans = windows[p.gate] = _windows(p.gate, low) if p.gate else [(0, len(low))]
            if p.start is None:
                for lo, hi in spans:
                    out.extend([(p, m) for m in p.finditer(low, lo, hi)])
                continue
            at = starts.get((p.gate, p.start))
            if at is None:
                at = starts[p.gate, p.start] = [p.starts(low, lo, hi) for lo, hi in spans]
            for (lo, hi), where in zip(spans, at, strict=True):
                out.extend([(p, m) for m in p.match_at(low, where, lo, hi)])
        return out

    def _doses(self, text: str, low: str) -> list[Found]:
        out = []
        for p, m in self._matches("DOSE", low):
            found = self._dose(p, m, text)
            if found is not None:
                out.append(found)
        return out

    def _dose(self, p: Pattern, m: re.Match[str], text: str) -> Found | None:
        start, end = _span(m)
        if p.kind == "qualitative":
            qual = " ".join(m.group(0).lower().replace("-", " ").split())
            qual = "overdose" if qual.startswith("overdos") else qual
            vague = {"low": None, "high": None, "unit": None, "ucum": None, "qualifier": qual}
            return Found(start, end, "DOSE", p.id, norm=qual, data=MappingProxyType(vague))
        unit = self._parse_unit(text[m.start("unit") : m.end("unit")])
        if unit is None or self.units.is_lab(unit):
            return None
        if unit.dimension == "percent" and not self._percent_is_dose(text, end):
            return None
        if unit.dimension in ("mass", "volume"):
            lead = _LEAD_WORD.search(text, max(0, start - 40), start)
            if lead and unit_key(lead.group(1)) in self.units.not_dose_after:
                return None  # "mice (25-35 g)", "blood loss of 1000 ml": a measurement
        groups = m.groupdict()
        low = high = None
        values: tuple[float, ...] = ()
        comparator = spread = period = None
        descending = False
        if p.kind == "list":
            parts = re.split(r"(?:(?<!\s)\s+)?(?:,|\band/or\b|\band\b|\bor\b)\s*", groups["list"])
            nums = [parse_number(x) for x in parts if x.strip()]
            if any(v is None for v in nums):
                return None
            values = tuple(v for v in nums if v is not None)
            low, high = min(values), max(values)
        elif p.kind == "components":
            nums = [parse_number(x) for x in groups["list"].split("/")]
            if any(v is None for v in nums):
                return None
            values = tuple(v for v in nums if v is not None)
        elif p.kind == "range":
            low, high = parse_number(groups["low"]), parse_number(groups["high"])
            unit1 = self._parse_unit(groups["unit1"]) if groups.get("unit1") else None
            if low is not None and unit1 is not None and unit1.ucum != unit.ucum:
                if unit1.canonical != unit.canonical:
                    return None
                low = low * unit1.factor / unit.factor
            if low is not None and high is not None and low > high:
                low, high = high, low  # "tapered from 60 to 5 mg/day": low is the smaller
                descending = True
        elif p.kind == "bound":
            value = parse_number(groups["value"])
            comparator = _comparator(groups["cmp"])
            if comparator in ("<", "<="):
                high = value
            else:
                low = value
        else:
            low = high = parse_number(groups["value"])
            if p.kind == "spread":
                spread = parse_number(groups["spread"])
            if groups.get("period"):
                n, days = parse_number(groups["period"]), self.times.days(groups["period_unit"])
                period = n * days if n is not None and days is not None else None
        if low is None and high is None and not values:
            return None
        data: dict[str, Any] = {
            "low": low,
            "high": high,
            "unit": unit.text,
            "ucum": unit.ucum,
            "dimension": unit.dimension,
            "canonical_unit": unit.canonical,
            "low_canonical": unit.to_canonical(low),
            "high_canonical": unit.to_canonical(high),
        }
        if values:
            data["values"] = values
        if comparator:
            data["comparator"] = comparator
        if spread is not None:
            data["spread"] = spread
        if period is not None:
            data["period_days"] = period
        if descending:
            data["descending"] = True
        norm = _dose_norm(low, high, values, comparator, unit)
        return Found(start, end, "DOSE", p.id, norm=norm, data=MappingProxyType(data))

    def _percent_is_dose(self, text: str, end: int) -> bool:
        """A percentage is a strength only before a formulation or drug-like word."""
        m = self._percent_next.match(text, end, min(len(text), end + 40))
        if m is None or text[end : m.start(1)].count("\n"):
            return False
        word = m.group(1).lower()
        two = unit_key(text[m.start(1) : m.start(1) + 24]).split(" ")[:2]
        if word in self.units.percent_not:
            return False
        if word in self.units.percent_followers or " ".join(two) in self.units.percent_followers:
            return True
        return self._drug_like is not None and self._drug_like.fullmatch(word) is not None

    def _routes(self, text: str, low: str) -> list[Found]:
        out = []
        redefined = self._redefined_abbreviations(text)
        for m in self._route.finditer(low):
            surface = text[m.start("route") : m.end("route")]
            key = unit_key(surface)
            if key not in self._route_loose and key.replace(" ", "") not in self._route_loose:
                if surface not in self._route_exact or surface in redefined:
                    continue  # "iv" in lower case is not "IV"; "scalp cooling (SC)" is not SC
            norm = self._route_norms.get(key) or self._route_norms.get(key.replace(" ", ""))
            if norm is None:
                norm = self._route_norms.get(key.rstrip(".") + ".")
            if norm is None:
                continue
            after = text[m.end("route") : m.end("route") + 40]
            nxt = _NEXT_WORD.match(after)
            if nxt and nxt.group(1).lower() in self._route_not_before.get(norm, ()):
                continue
            if not key.endswith("ly") and not m.group("noun"):
                # "oral and intravenous" coordinates routes; "oral and gastrointestinal
                # ulceration" coordinates organs.
                pair = _COORDINATED.match(after)
                if pair and unit_key(pair.group(1)) not in self._route_norms:
                    continue
            if len(key.replace(".", "").replace(" ", "")) == 2 and not self._route_abbrev_ok(
                text, m.start("route"), m.end("route")
            ):
                continue
            out.append(Found(m.start("route"), m.end(), "ROUTE", ROUTE_RULE_ID, norm=norm))
        return out

    def _redefined_abbreviations(self, text: str) -> frozenset[str]:
        """Route abbreviations the text defines as something else: "scalp cooling (SC)"."""
        out = set()
        for m in _DEFINED.finditer(text):
            abbr = m.group(1)
            if abbr not in self._route_exact:
                continue
            words = re.findall(r"[^\W\d_]+", text[max(0, m.start() - 40) : m.start()])[-3:]
            if not any(unit_key(w) in self._route_norms for w in words):
                out.add(abbr)
        return frozenset(out)

    def _route_abbrev_ok(self, text: str, start: int, end: int) -> bool:
        """IV/IM/PO are Roman numerals after "stage", "grade", "type", "III/"..."""
        before = text[max(0, start - 30) : start]
        prev = _PREV_WORD.search(before)
        if prev and prev.group(1).lower().rstrip(".") in self._roman:
            return False
        return not (_ROMAN_NEAR.search(before) or _ROMAN_AFTER.match(text[end : end + 10]))

    def _frequencies(self, text: str, low: str, doses: Sequence[Found]) -> list[Found]:
        timed = [d for d in doses if str(d.data.get("dimension") or "").endswith("/time")]
        out = []
        for p, m in self._matches("FREQUENCY", low):
            start, end = _span(m)
            if any(d.start <= start and end <= d.end for d in timed):
                continue  # "mg/day": the rate is part of the dose unit
            data = self._frequency(p, m, text)
            if data is None:
                continue
            if (data.get("per_day_high") or 0) > _MAX_PER_DAY:
                continue  # "pulse rate 100 x/minute", "measured every 10 min": not dosing
            if low[start:end].startswith(("a ", "per ")) and not any(
                0 <= start - d.end <= 3 for d in doses
            ):
                continue  # "a week" is a rate only after a dose: "30 mg a day"
            per_day = data.get("per_day")
            norm = "prn" if data.get("prn") else (f"{per_day:g}/d" if per_day else None)
            out.append(Found(start, end, "FREQUENCY", p.id, norm=norm, data=data))
        return out

    def _frequency(self, p: Pattern, m: re.Match[str], text: str) -> Mapping[str, Any] | None:
        g = m.groupdict()
        low = high = None
        prn = False
        extra: dict[str, Any] = {}
        if p.kind == "fixed":
            surface = text[m.start("fixed") : m.end("fixed")]
            key = unit_key(surface)
            if key in self._fixed_exact and surface not in self._fixed_exact_forms:
                return None
            entry = self._fixed.get(key) or self._fixed.get(key.rstrip(".") + ".")
            if entry is None:
                return None
            if not self._fixed_ok(text, m, key):
                return None
            low = high = entry[0]
            prn = entry[1]
        elif p.kind == "times":
            unit = g["unit"].lower()
            days = _PER_WORDS.get(unit) or self.times.days(unit)
            n = float(_MULTIPLIER[g["mult"].lower()]) if g.get("mult") else parse_number(g["n"])
            n2 = parse_number(g["n2"]) if g.get("n2") else n
            if days is None or n is None or n2 is None:
                return None
            low, high = n / days, n2 / days
        elif p.kind == "every":
            days = self.times.days(g["unit"])
            if days is None:
                return None
            word = (g.get("n") or "").lower()
            if not word and days < 1 / 24:
                return None  # "every second patient" is not a rate
            n = _EVERY_WORDS.get(word) or (parse_number(word) if word else 1.0)
            n2 = parse_number(g["n2"]) if g.get("n2") else n
            if not n or not n2:
                return None
            low, high = 1 / (n2 * days), 1 / (n * days)
        else:  # cycle
            if g.get("ord"):
                extra["cycle"] = parse_ordinal(g["ord"])
            else:
                extra["cycles"] = parse_number(g["n"])
        per_day = low if low == high else None
        return MappingProxyType(
            {"per_day": per_day, "per_day_low": low, "per_day_high": high, "prn": prn, **extra}
        )

    def _fixed_ok(self, text: str, m: re.Match[str], key: str) -> bool:
        words = key.split(" ")
        nxt = _NEXT_WORD.match(text, m.end(), min(len(text), m.end() + 30))
        if nxt and nxt.group(1).lower() in self._freq_not_before:
            return False
        start = m.start("fixed")
        prev = _PREV_WORD.search(text[max(0, start - 30) : start])
        prev_word = prev.group(1).lower() if prev else ""
        if (
            len(words) > 1
            and words[0] in ("a", "per", "each", "every")
            and (prev_word in self._freq_not_after)
        ):
            return False  # "for a week" is a duration; "mg per day" a dose unit
        # "in a bid to", "the tid": an abbreviation after a determiner is a word.
        return not (len(words) == 1 and len(key) <= 4 and prev_word in _DETERMINERS)

    def _durations(self, text: str, low: str, context: Sequence[Found]) -> list[Found]:
        out = []
        for p, m in self._matches("DURATION", low):
            start, end = _span(m)
            g = m.groupdict()
            if self._dur_not_before.match(text, m.end(), min(len(text), m.end() + 40)):
                continue
            if p.kind == "for" and not self._administered_near(text, start, end, context):
                continue
            if self._dur_not_after.search(text[max(0, start - 60) : start]):
                continue
            unit = g.get("unit") or ""
            days = self.times.days(unit)
            if p.kind == "course" and g.get("noun") == "":
                # "a 4-year history of ...": only a history of using something.
                tail = text[m.end() : m.end() + 80]
                if not self._cues.search(tail):
                    continue
            data: dict[str, Any] = {"days": None, "days_low": None, "days_high": None}
            if p.kind == "ordinal":
                data["ordinal"] = parse_ordinal(g["ord"])
                data["unit"] = self.times.name(unit)
            else:
                word = (g.get("n") or "").lower()
                n = 1.0 if word in ("a", "an") else parse_number(word)
                n2 = parse_number(g["n2"]) if g.get("n2") else n
                if n is None or n2 is None or days is None:
                    continue
                if word in ("a", "an") and days < 1 / 1440:
                    continue  # "for a second time"
                data.update(days=n * days if n == n2 else None, days_low=n * days)
                data["days_high"] = n2 * days
                if g.get("cmp"):
                    data["comparator"] = _comparator(g["cmp"])
            norm = f"{data['days']:g} d" if data.get("days") is not None else None
            out.append(Found(start, end, "DURATION", p.id, norm=norm, data=MappingProxyType(data)))
        return out

    def _administered_near(self, text: str, start: int, end: int, context: Sequence[Found]) -> bool:
        """True when an administration cue or a regimen mention is in the same sentence nearby."""
        lo = max(0, start - _WINDOW)
        window = text[lo:start]
        breaks = list(_SENTENCE_BREAK.finditer(window))
        if breaks:
            lo += breaks[-1].end()
            window = text[lo:start]
        if self._cues.search(window):
            return True
        hi = min(len(text), end + 60)
        stop = _SENTENCE_BREAK.search(text, end, hi)
        hi = stop.start() if stop else hi
        return any(lo <= f.start < hi and not (start <= f.start < end) for f in context)


_MULTIPLIER = MappingProxyType({"once": 1, "twice": 2, "thrice": 3})
_COMPARATORS = (
    ("up to", "<="), ("at most", "<="), ("no more than", "<="), ("not more than", "<="),
    ("less than", "<"), ("maximum", "<="), ("under", "<"), ("≤", "<="), ("<=", "<="),
    ("<", "<"), ("at least", ">="), ("more than", ">"), ("greater than", ">"),
    ("in excess of", ">"), ("exceeding", ">"), ("minimum", ">="), ("over", ">"), ("≥", ">="),
    (">=", ">="), (">", ">"), ("about", "~"), ("approximately", "~"), ("approx", "~"),
    ("around", "~"), ("nearly", "~"), ("almost", "~"), ("~", "~"),
)  # fmt: skip


def _comparator(text: str) -> str:
    t = " ".join(text.lower().split())
    for word, op in _COMPARATORS:
        if word in t:
            return op
    return "="


def _span(m: re.Match[str]) -> tuple[int, int]:
    """The mention's offsets: the `span` group if the pattern has one; trailing spaces cut."""
    if "span" in m.re.groupindex and m.group("span") is not None:
        start, end = m.span("span")
    elif "w" in m.re.groupindex:
        start, end = m.span("w")
    else:
        start, end = m.span()
    text = m.string
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _dose_norm(
    low: float | None,
    high: float | None,
    values: Sequence[float],
    comparator: str | None,
    unit: DoseUnit,
) -> str:
    if values and low is None:
        return "/".join(_fmt(v) for v in values) + f" {unit.ucum}"
    if values:
        return ", ".join(_fmt(v) for v in values) + f" {unit.ucum}"
    if comparator:
        return f"{comparator}{_fmt(low if high is None else high)} {unit.ucum}"
    if low == high:
        return f"{_fmt(low)} {unit.ucum}"
    return f"{_fmt(low)}-{_fmt(high)} {unit.ucum}"


def _compile(template: str, fills: Mapping[str, str], where: str) -> re.Pattern[str]:
    body = template
    for token, fill in fills.items():
        body = body.replace(token, fill)
    left = re.search(r"@[A-Z]+@", body)
    if left:
        raise RuleError(f"{where}: unknown placeholder {left.group(0)}")
    try:
        return re.compile(body)  # run on the lower-cased text
    except re.error as e:
        raise RuleError(f"{where}: bad regex ({e})") from None


def _windows(gates: tuple[re.Pattern[str], ...], low: str) -> list[tuple[int, int]]:
    """Merged windows of text around the gates' matches, where a gated pattern can match."""
    if len(low) <= _GATE_BEFORE + _GATE_AFTER:
        return [(0, len(low))]  # the window at offset 0 below covers all: no gate to run
    hits = sorted(
        (max(0, m.start() - _GATE_BEFORE), min(len(low), m.end() + _GATE_AFTER))
        for gate in gates
        for m in gate.finditer(low)
    )
    # A gate that starts with the character before a word cannot match a word at offset 0.
    hits.insert(0, (0, min(len(low), _GATE_BEFORE + _GATE_AFTER)))
    spans: list[tuple[int, int]] = []
    for lo, hi in hits:
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(hi, spans[-1][1]))
        else:
            spans.append((lo, hi))
    return spans


def _any_of(pieces: Iterable[str]) -> str:
    """An alternation of regex pieces; an empty list matches nothing (not everything)."""
    items = [p for p in pieces if p]
    return "(?:" + "|".join(items) + ")" if items else "(?!)"


def _flex(phrase: str) -> str:
    return r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", phrase.strip()) if w)


def _dot_variants(surface: str, exact: bool) -> list[tuple[str, bool]]:
    """'b.i.d.' also as 'b.i.d' (the sentence splitter or the author may drop the last dot)."""
    items = [(surface, exact)]
    if surface.endswith(".") and surface.count(".") > 1:
        items.append((surface[:-1], exact))
    return items


@lru_cache(maxsize=8)
def load_finder(rules: Path) -> RegimenFinder:
    """The regimen finder of a rules folder (compiled once per folder)."""
    return RegimenFinder(rules)


def find_regimen_mentions(text: str, rules: str | Path | None = None) -> list[Found]:
    """DOSE, ROUTE, FREQUENCY and DURATION mentions of `text` (the default rules unless given)."""
    return load_finder(rules_dir(rules)).find(text)


@Language.factory("claimx_doses", default_config={"rules": None})
def make_dose_recognizer(nlp: Any, name: str, rules: str | None) -> TextRecognizer:
    """Build the claimx_doses component: DOSE, ROUTE, FREQUENCY and DURATION mentions."""
    return TextRecognizer(name, load_finder(rules_dir(rules)).find)
