"""Claims: what a sentence asserts about which drug, how firmly, and on what evidence.

Pure functions over the document text, its sentence offsets and the recognized mentions: no
spaCy objects, so a blank pipeline (no parser) is enough. Every cue list lives in rules/cues/
and is compiled once per rules folder into cue groups; one regex pass finds the phrases of all
groups (CueScanner), each regex entry runs once over the text, and the hits are bucketed by
position. A document without a drug, or where no sentence holds both a drug and a direction
cue, makes no claim and is left early.

How a claim is made, per clause (a sentence cut at clause boundaries, rules/cues/clauses.yml):
a DRUG mention of the clause itself (no "it" resolved to an earlier drug) plus a direction cue
(rules/cues/directions.yml). The chosen cue decides the direction, whether the claim is negated
(a negation's scope covers it), its certainty (hedges, strong boosters), comparators (drugs
after "than", "superior to", "compared with"...), evidence, attribution and overclaim.
rules/cues/README.md describes the files and the order of the decisions.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from claimx.errors import RuleError
from claimx.recognize.base import Mention
from claimx.records import (
    DIRECTIONS,
    EVIDENCE_TYPES,
    ClaimRow,
    RegimenRow,
    StatisticRow,
)
from claimx.rules import read_yaml, rules_dir

COMPARATIVE = frozenset({"no_difference", "superior", "inferior"})
# Designs that cannot carry "without a doubt": the overclaim flag fires on these. An
# unspecified design is flagged only when the text itself calls its evidence weak.
WEAK_EVIDENCE = frozenset(
    {"anecdote", "expert_opinion", "case_report", "case_series", "preclinical"}
)
STRONG_EVIDENCE = frozenset({"meta_analysis", "systematic_review", "rct"})

# The files of rules/cues/ this module reads, and the groups each may hold.
CUE_FILES = MappingProxyType(
    {
        "hedges.yml": ("hedged", "pseudo"),
        "certainty.yml": ("strong",),
        "negations.yml": ("negation", "pseudo", "terminators"),
        "directions.yml": (
            "benefit",
            "harm",
            "no_difference",
            "superior",
            "inferior",
            "unclear",
            "comparators",
            "not_directions",
            "not_claims",
        ),
        "evidence.yml": EVIDENCE_TYPES[:-1] + ("not_evidence", "weak"),
        "attribution.yml": ("attribution",),
        "clauses.yml": ("boundaries",),
    }
)
# Keys a cue entry may have.
ENTRY_KEYS = frozenset(
    {
        "id",
        "cue",
        "regex",
        "verb",
        "forms",
        "case",
        "example",
        "requires",
        "negated",
        "scope",
        "person",
        "kind",
        "scale",
        "skip",
        "attached",
    }
)
REQUIRES = frozenset({"drug_before", "condition_after", "drug_and_condition", "condition"})
SCOPES = frozenset({"forward", "backward", "both"})

_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
_LITERAL = re.compile(r"\w(?:[\w'\u2019\s\-]*\w)?\Z")
_UPPER = re.compile(r"[A-Z]")
_ESCAPES = re.compile(r"\\.|\(\?P<\w+>")
_SEP = r"[\s\-\u2010\u2011]+"
_SPLIT = re.compile(_SEP)
_WORD = re.compile(r"\w+")
_CONSONANT_Y = re.compile(r"[^aeiou]y\Z")
# A phrase starts a word: no word character, hyphen or apostrophe right before it.
_LEFT = r"(?<![\w\-'])"


@dataclass(frozen=True, slots=True)
class Cue:
    """One entry of a rules/cues/*.yml file: its id, the group it sits in, and its flags."""

    id: str
    group: str
    file: str
    requires: tuple[str, ...] = ()
    negated: bool = False
    scope: str = "forward"
    person: bool = False
    kind: str = ""
    scale: bool = False
    skip: bool = False
    attached: bool = False


@dataclass(frozen=True, slots=True)
class Hit:
    """A cue found in the text: character offsets (end exclusive) and the cue."""

    start: int
    end: int
    cue: Cue
    who: str | None = None


def verb_forms(phrase: str) -> tuple[str, ...]:
    """A phrase with its first word as a regular verb: reduce -> reduces, reduced, reducing."""
    first, _, rest = phrase.partition(" ")
    tail = f" {rest}" if rest else ""
    if first.endswith("ee"):
        forms = (first + "s", first + "d", first + "ing")
    elif first.endswith("e"):
        forms = (first + "s", first + "d", first[:-1] + "ing")
    elif _CONSONANT_Y.search(first):
        forms = (first[:-1] + "ies", first[:-1] + "ied", first + "ing")
    elif first.endswith(("s", "x", "z", "ch", "sh")):
        forms = (first + "es", first + "ed", first + "ing")
    else:
        forms = (first + "s", first + "ed", first + "ing")
    return (phrase,) + tuple(f + tail for f in forms)


def entry_surfaces(entry: Mapping[str, Any]) -> tuple[str, ...]:
    """Every literal surface of a cue entry: its phrases, their verb forms, its extra forms."""
    cues = entry.get("cue") or ()
    forms = entry.get("forms") or ()
    phrases = (cues,) if isinstance(cues, str) else tuple(cues)
    extra = (forms,) if isinstance(forms, str) else tuple(forms)
    if not all(isinstance(p, str) for p in phrases + extra):
        raise TypeError("cue phrases must be strings")
    out: list[str] = []
    for p in phrases:
        out.extend(verb_forms(p) if entry.get("verb") else (p,))
    out.extend(extra)
    return tuple(dict.fromkeys(out))


class CueGroup:
    """Cue entries compiled once: a character trie of all literal phrases (one pass whose cost
    hardly grows with the number of cues) and each regex on its own, over the lower-cased text;
    case-sensitive entries over the text as written. Hits: the leftmost, then regex before
    phrase, then the longest; never overlapping; skipped entries hide what they cover."""

    def __init__(self, entries: Sequence[tuple[Cue, Mapping[str, Any]]]) -> None:
        self.cues: tuple[Cue, ...] = tuple(c for c, _ in entries)
        # Each regex entry on its own: a regex that starts with a literal lets the engine skip
        # ahead to it, which an alternation of several regexes would not.
        regexes: list[tuple[re.Pattern[str], int, bool]] = []
        literal: dict[str, int] = {}  # surface key -> index of its cue
        literal_cs: dict[str, int] = {}  # case-sensitive surfaces (abbreviations)
        for i, (_, entry) in enumerate(entries):
            case = bool(entry.get("case"))
            if "regex" in entry:
                regexes.append((re.compile(str(entry["regex"])), i, case))
            for surface in entry_surfaces(entry):
                (literal_cs if case else literal).setdefault(_surface_key(surface, case), i)
        self._regexes = tuple(regexes)
        self._literal = MappingProxyType(literal)
        self._literal_cs = MappingProxyType(literal_cs)
        # The trie of the phrases without its left boundary: CueScanner runs it inside its own
        # pattern, so the group's own trie is compiled only when finditer needs it.
        self.phrase_pattern = _trie_pattern(literal, left=False) if literal else None
        self._trie_cs = re.compile(_trie_pattern(literal_cs)) if literal_cs else None
        # A case-sensitive phrase is matched character for character up to its first space,
        # so a text that holds none of these first words holds none of the phrases (a few
        # substring tests instead of a regex pass that stops at every position).
        self._cs_first_words = tuple(sorted({key.split(" ")[0] for key in literal_cs}))

    # On the lower-cased text, without IGNORECASE (much faster); the IGNORECASE copies are for
    # the rare text whose lower-casing changes its length ("İ"). Compiled on first use: start-up
    # time counts, and build_claims needs none of them for most texts.
    @cached_property
    def _trie(self) -> re.Pattern[str] | None:
        return re.compile(_LEFT + self.phrase_pattern) if self.phrase_pattern else None

    @cached_property
    def _trie_i(self) -> re.Pattern[str] | None:
        return re.compile(_LEFT + self.phrase_pattern, re.I) if self.phrase_pattern else None

    @cached_property
    def _regexes_i(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p.pattern, re.I) for p, _, _ in self._regexes)

    def finditer(self, text: str, lower: str | None = None) -> list[Hit]:
        """Non-overlapping hits, left to right. `lower` is lower_text(text), if at hand."""
        low = lower_text(text) if lower is None else lower
        if len(low) != len(text):
            spans = [m.span() for m in self._trie_i.finditer(text)] if self._trie_i else []
            return self.hits(text, low, spans)
        return self.hits(
            text, low, [m.span() for m in self._trie.finditer(low)] if self._trie else []
        )

    def hits(self, text: str, low: str, phrase_spans: Iterable[tuple[int, int]]) -> list[Hit]:
        """The group's hits, given where its phrase trie matched (non-overlapping spans, left
        to right, as the trie's own finditer over the lower-cased text gives them)."""
        same = len(low) == len(text)
        found: list[tuple[int, int, int, int]] = []  # start, rank, -end, cue index
        for k, (pattern, index, case) in enumerate(self._regexes):
            if case:
                matches = pattern.finditer(text)
            else:
                matches = pattern.finditer(low) if same else self._regexes_i[k].finditer(text)
            found.extend((m.start(), 0, -m.end(), index) for m in matches if m.end() > m.start())
        if self._trie_cs is not None and any(w in text for w in self._cs_first_words):
            for m in self._trie_cs.finditer(text):
                index = self._literal_cs[_surface_key(m.group(), True)]
                found.append((m.start(), 1, -m.end(), index))
        literal = self._literal
        phrases = []
        for start, end in phrase_spans:
            # Most matches are written as the key itself (one space between words, no hyphen):
            # a dict lookup; only the others are normalized.
            surface = low[start:end] if same else text[start:end].lower()
            cue = literal.get(surface)
            if cue is None:
                cue = literal[_surface_key(surface, False)]
            phrases.append((start, 1, -end, cue))
        if not found:
            # Phrases alone (most groups in most texts): already in order and never
            # overlapping, so every one is kept.
            return [
                Hit(start, -neg_end, self.cues[index])
                for start, _, neg_end, index in phrases
                if not self.cues[index].skip
            ]
        found.extend(phrases)
        found.sort()
        hits: list[Hit] = []
        reach = -1
        for start, _, neg_end, index in found:
            if start >= reach:
                reach = -neg_end
                if not self.cues[index].skip:
                    hits.append(Hit(start, -neg_end, self.cues[index]))
        return hits


# The span of a capture group that took no part in a match.
_UNMATCHED = (-1, -1)
_HIT_START = operator.attrgetter("start")
_HIT_END = operator.attrgetter("end")


class CueScanner:
    """The phrases of several cue groups found in one pass over the lower-cased text instead
    of one pass per group.

    One regex stops only where some group's phrase starts (the trie of all their phrases, in a
    lookahead) and there captures, per group, what that group's own trie matches at this
    place (an empty alternative when it matches nothing). Each group then keeps its matches
    as its own finditer would: left to right, each starting at or after the end of the one it
    kept before. That gives each group the same spans as its own pass, because the combined
    trie matches wherever any group's does, and a group's trie at a given place matches the
    same phrase inside the lookahead as on its own (same regex, same text, same left
    boundary).

    A phrase starts the text or follows a character that is no word character, hyphen or
    apostrophe: the pass consumes that character (a character class, which the regex engine
    skips ahead to without stopping inside words) and looks at what follows. It runs over the
    text with a space put before it, so that a phrase at the very start follows one too."""

    def __init__(self, groups: Mapping[str, CueGroup]) -> None:
        self.groups = MappingProxyType(dict(groups))
        self._phrased = tuple(name for name, g in self.groups.items() if g.phrase_pattern)
        keys = {key for name in self._phrased for key in self.groups[name]._literal}
        at_phrase = f"(?={_trie_pattern(keys, left=False)})" + "".join(
            f"(?=({self.groups[name].phrase_pattern})|)" for name in self._phrased
        )
        self._pattern = re.compile(r"[^\w\-']" + at_phrase) if keys else None

    def find(self, text: str, lower: str | None = None) -> dict[str, list[Hit]]:
        """Every group's hits, as CueGroup.finditer gives them, by group name."""
        low = lower_text(text) if lower is None else lower
        spans = self.phrase_spans(text, low)
        return {name: self.hits(name, text, low, spans) for name in self.groups}

    def hits(
        self, name: str, text: str, low: str, spans: Mapping[str, list[tuple[int, int]]] | None
    ) -> list[Hit]:
        """One group's hits, given phrase_spans(text, low)."""
        group = self.groups[name]
        if spans is None:
            return group.finditer(text, low)
        return group.hits(text, low, spans.get(name, ()))

    def phrase_spans(self, text: str, low: str) -> dict[str, list[tuple[int, int]]] | None:
        """Where each group's phrases are, as its own trie finds them; None for a text whose
        lower case changes its length (rare: each group then runs on its own)."""
        if self._pattern is None or len(low) != len(text):
            return None
        # regs[0] is the boundary character; regs[k] is the k-th group's phrase or (-1, -1),
        # one character to the right of where it is in `low`.
        regs = [m.regs for m in self._pattern.finditer(" " + low)]
        columns = list(zip(*regs, strict=True))[1:] if regs else [()] * len(self._phrased)
        found: dict[str, list[tuple[int, int]]] = {}
        for name, column in zip(self._phrased, columns, strict=True):
            spans: list[tuple[int, int]] = []
            reach = 0
            # Most places are another group's: their (-1, -1) is dropped in C, not in the loop.
            for span in filter(_UNMATCHED.__ne__, column):
                start, end = span[0] - 1, span[1] - 1
                if start >= reach:
                    spans.append((start, end))
                    reach = end
            found[name] = spans
        return found


# Typographic apostrophes read as "'" so that one spelling of "doesn't" matches both.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def lower_text(text: str) -> str:
    """The text as cue regexes see it: lower case, apostrophes unified."""
    low = text.lower()
    # str.replace is many times faster than str.translate, and most texts have neither.
    if "\u2019" in low or "\u2018" in low:
        low = low.replace("\u2019", "'").replace("\u2018", "'")
    return low


def _surface_key(surface: str, case: bool) -> str:
    """A surface as the trie stores it: words joined by one space (hyphens too)."""
    key = " ".join(w for w in _SPLIT.split(surface.strip().translate(_APOSTROPHES)) if w)
    return key if case else key.lower()


def _trie_pattern(keys: Iterable[str], left: bool = True) -> str:
    """One regex for many phrases: a character trie whose optional tails are greedy, so the
    longest phrase at a position wins; word boundaries around it; a space matches any run of
    spaces and hyphens."""
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    return (_LEFT if left else "") + _render(trie) + r"(?!\w)"


def _render(node: Mapping[str, Any]) -> str:
    alternatives = [
        (_SEP if ch == " " else re.escape(ch)) + _render(child)
        for ch, child in sorted(node.items())
        if ch
    ]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    if "" in node:
        return (body if len(alternatives) == 1 and len(body) == 1 else f"(?:{body})") + "?"
    return body


@dataclass(frozen=True, slots=True)
class AttributionRule:
    cue: Cue
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Cues:
    """Every cue group, compiled; build with load_cues()."""

    markers: CueGroup
    negations: CueGroup
    directions: CueGroup
    comparators: CueGroup
    evidence: CueGroup
    boundaries: CueGroup
    attribution: tuple[AttributionRule, ...]
    speech_verbs: CueGroup
    not_names: frozenset[str]
    pronouns: frozenset[str]
    abbreviations: frozenset[str]
    end_sections: frozenset[str]
    heading_max_words: int
    window: int
    control_arms: frozenset[str]
    measurement: re.Pattern[str] | None
    measured_of: re.Pattern[str] | None
    # The groups above that run over every document, found in one pass (SCANNED names them).
    scanner: CueScanner


# The cue groups of Cues that find_cues and split_units run over a whole document.
SCANNED = (
    "markers",
    "negations",
    "directions",
    "comparators",
    "evidence",
    "boundaries",
    "speech_verbs",
)


def _read(folder: Path, name: str) -> dict[str, Any]:
    path = folder / "cues" / name
    if not path.is_file():
        raise RuleError(f"{path} is missing; restore it from claimx's rules/cues/")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise RuleError(f"{path}: expected a mapping of cue groups at the top level")
    return data


def read_cue_entries(folder: Path) -> list[tuple[Cue, dict[str, Any]]]:
    """Every cue entry of rules/cues/, validated (ids unique, keys known), in file order."""
    out: list[tuple[Cue, dict[str, Any]]] = []
    seen: dict[str, str] = {}
    for name, groups in CUE_FILES.items():
        data = _read(folder, name)
        for group in groups:
            entries = data.get(group) or []
            if not isinstance(entries, list):
                raise RuleError(f"rules/cues/{name}: '{group}' must be a list of entries")
            for n, entry in enumerate(entries, 1):
                where = f"rules/cues/{name}: {group} entry {n}"
                out.append((_validate(entry, where, group, name, seen), entry))
    return out


def _validate(entry: Any, where: str, group: str, name: str, seen: dict[str, str]) -> Cue:
    if not isinstance(entry, dict):
        raise RuleError(f"{where}: expected a mapping like {{id: ..., cue: ...}}")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise RuleError(
            f"{where}: unknown key(s) {sorted(unknown)}; allowed: {', '.join(sorted(ENTRY_KEYS))}"
        )
    cue_id = entry.get("id")
    if not isinstance(cue_id, str) or not _ID.match(cue_id):
        raise RuleError(f"{where}: id {cue_id!r} must be kebab-case (e.g. hedge-may)")
    if cue_id in seen:
        raise RuleError(f"{where}: id {cue_id!r} is already used in {seen[cue_id]}")
    seen[cue_id] = f"rules/cues/{name}"
    if ("cue" in entry) == ("regex" in entry):
        raise RuleError(f"{where} ({cue_id}): give exactly one of 'cue' or 'regex'")
    if "regex" in entry:
        try:
            re.compile(str(entry["regex"]))
        except re.error as e:
            raise RuleError(f"{where} ({cue_id}): bad regex ({e})") from None
        if not entry.get("example"):
            raise RuleError(f"{where} ({cue_id}): a regex entry needs an 'example' sentence")
        if (
            not entry.get("case")
            and group != "attribution"
            and _UPPER.search(_ESCAPES.sub("", str(entry["regex"])))
        ):
            raise RuleError(
                f"{where} ({cue_id}): regexes see the text in lower case; write this one in "
                "lower case or set 'case: true'"
            )
    else:
        try:
            surfaces = entry_surfaces(entry)
        except TypeError:
            raise RuleError(f"{where} ({cue_id}): 'cue' must be a phrase or a list") from None
        odd = [s for s in surfaces if not _LITERAL.match(s)]
        if odd:
            raise RuleError(
                f"{where} ({cue_id}): {odd[0]!r}: a cue phrase holds words, spaces, hyphens and "
                "apostrophes only; use a regex entry for anything else"
            )
    requires = tuple(entry.get("requires") or ())
    if set(requires) - REQUIRES:
        raise RuleError(f"{where} ({cue_id}): requires must be among {sorted(REQUIRES)}")
    scope = entry.get("scope", "forward")
    if scope not in SCOPES:
        raise RuleError(f"{where} ({cue_id}): scope must be one of {sorted(SCOPES)}")
    return Cue(
        id=cue_id,
        group=group,
        file=name,
        requires=requires,
        negated=bool(entry.get("negated")),
        scope=scope,
        person=bool(entry.get("person")),
        kind=str(entry.get("kind") or ""),
        scale=bool(entry.get("scale")),
        skip=bool(entry.get("skip")),
        attached=bool(entry.get("attached")),
    )


@lru_cache(maxsize=8)
def _load_cues(folder: Path) -> Cues:
    entries = read_cue_entries(folder)

    def chosen(
        file: str, *names: str, masks: tuple[str, ...] = ()
    ) -> list[tuple[Cue, dict[str, Any]]]:
        # A mask ("without a doubt" among negations) joins its group as a skipped entry: being
        # longer, it wins over the cue inside it and then yields nothing.
        return [
            (replace(c, skip=True) if c.group in masks else c, e)
            for c, e in entries
            if c.file == file and (c.group in names or c.group in masks)
        ]

    def group(file: str, *names: str, masks: tuple[str, ...] = ()) -> CueGroup:
        return CueGroup(chosen(file, *names, masks=masks))

    attribution = []
    for cue, entry in entries:
        if cue.group != "attribution":
            continue
        pattern = re.compile(str(entry["regex"]))
        if "who" not in pattern.groupindex:
            raise RuleError(f"rules/cues/attribution.yml ({cue.id}): the regex needs (?P<who>...)")
        attribution.append(AttributionRule(cue, pattern))
    attr = _read(folder, "attribution.yml")
    negs = _read(folder, "negations.yml")
    clauses = _read(folder, "clauses.yml")
    directions = _read(folder, "directions.yml")
    scanned = {
        # Hedges, boosters, weak-evidence remarks, not-claim phrases and negation terminators
        # share no words, so one group finds them all (test_cues checks that no phrase repeats).
        "markers": CueGroup(
            chosen("hedges.yml", "hedged", masks=("pseudo",))
            + chosen("certainty.yml", "strong")
            + chosen("evidence.yml", "weak")
            + chosen("directions.yml", "not_claims")
            + chosen("negations.yml", "terminators")
        ),
        "negations": group("negations.yml", "negation", masks=("pseudo",)),
        "directions": group("directions.yml", *DIRECTIONS, masks=("not_directions",)),
        "comparators": group("directions.yml", "comparators"),
        "evidence": group("evidence.yml", *EVIDENCE_TYPES, masks=("not_evidence",)),
        "boundaries": group("clauses.yml", "boundaries"),
        "speech_verbs": CueGroup(
            [
                (Cue(f"speech-{n}", "speech", "attribution.yml"), {"cue": verb})
                for n, verb in enumerate(_strings(attr, "triggers", "attribution.yml"))
            ]
        ),
    }
    return Cues(
        **scanned,
        attribution=tuple(attribution),
        not_names=frozenset(_strings(attr, "not_names", "attribution.yml")),
        pronouns=frozenset(_strings(attr, "pronouns", "attribution.yml")),
        abbreviations=frozenset(
            a.lower() for a in _strings(clauses, "abbreviations", "clauses.yml")
        ),
        end_sections=frozenset(a.lower() for a in _strings(clauses, "end_sections", "clauses.yml")),
        heading_max_words=int(clauses.get("heading_max_words", 10)),
        window=int(negs.get("window", 8)),
        control_arms=frozenset(
            a.lower() for a in _strings(directions, "control_arms", "directions.yml")
        ),
        measurement=_measurement_pattern(
            _strings(directions, "measurements", "directions.yml"),
            _strings(directions, "descriptors", "directions.yml"),
        ),
        measured_of=_measured_of_pattern(_strings(directions, "measured_of", "directions.yml")),
        scanner=CueScanner(scanned),
    )


def _strings(data: Mapping[str, Any], key: str, file: str) -> tuple[str, ...]:
    """A list of words from a cue file; a bare YAML no/yes/on/off (read as true/false) is an
    error, not a silent "False"."""
    values = data.get(key) or ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise RuleError(
            f"rules/cues/{file}: '{key}' must be a list of words; quote YAML words such as "
            '"no", "yes", "on", "off"'
        )
    return tuple(values)


def _measured_of_pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """What comes before a drug word that is measured: "levels of [plasma] melatonin"."""
    keys = [_surface_key(str(p), False) for p in phrases]
    if not keys:
        return None
    return re.compile(_trie_pattern(keys) + r"\s+(?:[\w\-]+\s+)?\Z", re.IGNORECASE)


def _measurement_pattern(words: Sequence[str], hyphenated: Sequence[str]) -> re.Pattern[str] | None:
    """What follows a drug word that is measured or describes patients, not a treatment:
    "creatinine levels", "ketamine users" (space or hyphen), "opioid-dependent" (hyphen)."""
    parts = []
    if words:
        keys = [_surface_key(str(w), False) for w in words]
        parts.append(r"[\s\-]+" + _trie_pattern(keys, left=False))
    if hyphenated:
        keys = [_surface_key(str(w), False) for w in hyphenated]
        parts.append(r"-" + _trie_pattern(keys, left=False))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def load_cues(rules: str | Path | None = None) -> Cues:
    """The compiled cue lists of a rules folder (cached per folder)."""
    # build_claims calls this once per document: resolving the folder (importlib.resources)
    # cost more than the cue lookup itself, so the resolution is cached too, keyed on what
    # decides it (the override and $CLAIMX_RULES).
    return _cues_for(rules, os.environ.get("CLAIMX_RULES"))


@lru_cache(maxsize=8)
def _cues_for(rules: str | Path | None, env: str | None) -> Cues:
    return _load_cues(Path(rules_dir(rules)))


# ---------------------------------------------------------------------------------------------
# Document-level preparation: every cue group runs once over the whole text.


@dataclass(slots=True)
class _Hits:
    """Hits of one cue group, sorted by start, with their starts for bisecting."""

    items: list[Hit]
    starts: list[int]

    @classmethod
    def of(cls, hits: Iterable[Hit]) -> _Hits:
        # By start, the longest first: two stable sorts with keys read in C (a lambda key
        # per hit cost more than the rest of this class).
        items = sorted(hits, key=_HIT_END, reverse=True)
        items.sort(key=_HIT_START)
        return cls(items, list(map(_HIT_START, items)))

    def within(self, start: int, end: int) -> list[Hit]:
        """Hits wholly inside [start, end)."""
        if not self.items:
            return []  # many groups find nothing in a document
        i = bisect.bisect_left(self.starts, start)
        out = []
        while i < len(self.items) and self.items[i].start < end:
            if self.items[i].end <= end:
                out.append(self.items[i])
            i += 1
        return out


# A heading longer than this is no heading (a line of hard-wrapped text).
_HEADING_CHARS = 160


def heading_spans(text: str, cues: Cues) -> tuple[list[tuple[int, int]], int]:
    """Lines that are headings (short, no sentence end), and where a reference list starts."""
    spans: list[tuple[int, int]] = []
    end_of_claims = len(text)
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        stripped = line.strip()
        # Cheap tests first: most lines are long and end like a sentence.
        if not stripped or stripped[-1] in ".!;,\"\u201d'" or len(stripped) > _HEADING_CHARS:
            continue
        if stripped.rstrip("*").strip().lower().rstrip(":") in cues.end_sections:
            end_of_claims = min(end_of_claims, start)
        if len(_WORD.findall(stripped)) <= cues.heading_max_words:
            spans.append((start, end))
    return spans, end_of_claims


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of one sentence that can hold claims: its sentence, offsets, claim text, and
    its clauses."""

    sent_id: int
    start: int
    end: int
    clauses: tuple[tuple[int, int], ...]


def _paren_depth(segment: str) -> int:
    return segment.count("(") - segment.count(")") + segment.count("[") - segment.count("]")


def _is_abbreviation(text: str, unit_start: int, dot: int, cues: Cues) -> bool:
    """Whether the full stop at `dot` ends an abbreviation ("Dr.", "e.g.", an initial "F.")."""
    before = text[max(unit_start, dot - 12) : dot]
    m = re.search(r"([A-Za-z.]+)\Z", before)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    if word in cues.abbreviations or word.replace(".", "") in cues.abbreviations:
        return True
    return len(m.group(1)) == 1 and m.group(1).isupper()


def sentence_units(
    text: str,
    sentences: Sequence[tuple[int, int]],
    cues: Cues,
    boundaries: _Hits,
    headings: Sequence[tuple[int, int]],
    end_of_claims: int,
) -> list[Unit]:
    """Sentences without their heading lines, cut at missed sentence ends, with clauses."""
    units: list[Unit] = []
    h_starts = [h[0] for h in headings]
    for sent_id, (s, e) in enumerate(sentences):
        if s >= end_of_claims:
            break
        e = min(e, end_of_claims)
        # Remove heading lines that lie inside the sentence.
        pieces = [(s, e)]
        i = max(bisect.bisect_right(h_starts, s) - 1, 0)
        while i < len(headings) and headings[i][0] < e:
            hs, he = headings[i]
            nxt = []
            for ps, pe in pieces:
                if he <= ps or hs >= pe:
                    nxt.append((ps, pe))
                    continue
                if hs > ps:
                    nxt.append((ps, hs))
                if he < pe:
                    nxt.append((he, pe))
            pieces = nxt
            i += 1
        for ps, pe in pieces:
            ps, pe = _trim(text, ps, pe)
            if pe <= ps:
                continue
            units.extend(_cut(text, sent_id, ps, pe, cues, boundaries))
    return units


def split_units(
    text: str, sentences: Sequence[tuple[int, int]], cues: Cues, lower: str | None = None
) -> list[Unit]:
    """The units and clauses of a text whose sentences are given (headings and a trailing
    reference list left out)."""
    headings, end_of_claims = heading_spans(text, cues)
    boundaries = _Hits.of(cues.boundaries.finditer(text, lower))
    return sentence_units(text, sentences, cues, boundaries, headings, end_of_claims)


def _units(
    text: str, sentences: Sequence[tuple[int, int]], cues: Cues, boundaries: list[Hit]
) -> list[Unit]:
    """split_units with the boundaries already found."""
    headings, end_of_claims = heading_spans(text, cues)
    return sentence_units(text, sentences, cues, _Hits.of(boundaries), headings, end_of_claims)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def _cut(text: str, sent_id: int, s: int, e: int, cues: Cues, boundaries: _Hits) -> list[Unit]:
    """Cut one sentence piece (trimmed, not empty) into units (missed sentence ends) and
    clauses."""
    unit_cuts: list[tuple[int, int]] = []
    clause_cuts: list[tuple[int, int]] = []
    depth, counted = 0, s
    for b in boundaries.within(s, e):
        if b.start <= s or b.end >= e:
            continue
        # Depth counted from the previous boundary on: linear in the sentence's length.
        depth += _paren_depth(text[counted : b.start])
        counted = b.start
        if depth > 0:
            continue
        if b.cue.kind == "sentence":
            if _is_abbreviation(text, s, b.start, cues):
                continue
            unit_cuts.append((b.start + 1, b.end))
        elif b.cue.kind == "before":
            clause_cuts.append((b.start, b.start))
        else:
            clause_cuts.append((b.start, b.end))
    if not unit_cuts and not clause_cuts:
        return [Unit(sent_id, s, e, ((s, e),))]  # most sentences: one unit, one clause
    units = []
    start = s
    for cut_start, cut_end in unit_cuts + [(e, e)]:
        us, ue = _trim(text, start, cut_start)
        if ue > us:
            clauses = []
            cs = us
            for c_start, c_end in clause_cuts:
                if us < c_start and c_end < ue:
                    if c_start > cs:
                        clauses.append(_trim(text, cs, c_start))
                    cs = c_end
            clauses.append(_trim(text, cs, ue))
            units.append(Unit(sent_id, us, ue, tuple(c for c in clauses if c[1] > c[0])))
        start = cut_end
    return units


# ---------------------------------------------------------------------------------------------
# Claims.

# How many words after a "reduce" cue a drug is the thing reduced ("reduce the use of
# opioids", "decrease the requirement of morphine"), not a drug the claim is about.
_OBJECT_WORDS = 5
# Characters per word that a negation's backward scope may reach, at most.
_WINDOW_CHARS = 40
# How many words may stand between "associated with" and the drug it links a condition to.
_LINK_WORDS = 3
# Words after a class name that make it an adjective, not a drug ("anesthetic doses").
_CLASS_ADJECTIVE = re.compile(r"[\s-]*(?:doses?|dosing|properties|effects?|range)\b", re.I)
_ROLE = re.compile(r"\bas an?\s+(?:[a-z]+\s+)?\Z", re.I)
# Drugs written as one combination: "methadone/ketamine", "morphine-ketamine".
_COMBINED = re.compile(r"\s*[/\-+]\s*\Z|\s+(?:combined with|along with|plus|with)\s+\Z", re.I)
# The first few sentences of a text: a design named there is the document's design.
_LEDE_UNITS = 3
_LEDE_DESIGNS = frozenset(
    {
        "meta_analysis",
        "systematic_review",
        "rct",
        "observational",
        "case_series",
        "case_report",
        "preclinical",
    }
)
# A text that names this many different designs reports on several studies: a review.
_REVIEW_DESIGNS = 3
_QUOTES = '"\u201c\u201d'
# An opening phrase that describes the patients, not the treatment claimed: "For patients who
# are taking opioid medications to manage their pain, ketamine may ...". Up to the first comma.
_POPULATION = re.compile(
    r"(?:for|in|among|of)\s+(?:\w+\s+){0,2}?(?:patients|people|persons|adults|children|those|"
    r"individuals|subjects|users|women|men)\b[^,;]{0,200},",
    re.I,
)


@dataclass(slots=True)
class _Doc:
    """Everything build_claims looks up while it walks the clauses of one document. `drugs`
    holds every drug mention; whether one names a drug taking part (not a class word, see
    _is_class_word) is decided when a clause that could make a claim asks (most never do)."""

    text: str
    cues: Cues
    drugs: list[Mention]
    drug_starts: list[int]
    drug_ends: list[int]
    conditions: list[Mention]
    condition_starts: list[int]
    condition_ends: list[int]
    hedges: _Hits
    strong: _Hits
    negations: _Hits
    terminators: _Hits
    directions: _Hits
    not_claims: _Hits
    comparators: _Hits
    evidence: _Hits
    weak: list[Hit]
    attribution: _Hits
    kept: dict[int, bool] = field(default_factory=dict)  # drugs index -> not a class word

    def kept_drugs(self, start: int, end: int) -> list[Mention]:
        """Drug mentions wholly inside [start, end), class words left out."""
        starts, ends = self.drug_starts, self.drug_ends
        i = bisect.bisect_left(starts, start)
        out = []
        while i < len(starts) and starts[i] < end:
            if ends[i] <= end:
                keep = self.kept.get(i)
                if keep is None:
                    keep = self.kept[i] = not _is_class_word(self.text, self.drugs, i, self.cues)
                if keep:
                    out.append(self.drugs[i])
            i += 1
        return out

    def has_drug(self, start: int, end: int) -> bool:
        """Whether a drug mention (class word or not) lies wholly inside [start, end)."""
        starts, ends = self.drug_starts, self.drug_ends
        i = bisect.bisect_left(starts, start)
        while i < len(starts) and starts[i] < end:
            if ends[i] <= end:
                return True
            i += 1
        return False

    def mentions(self, label: str, start: int, end: int) -> list[Mention]:
        """Mentions of DRUG or CONDITION wholly inside [start, end)."""
        if label == "DRUG":
            items, starts, ends = self.drugs, self.drug_starts, self.drug_ends
        else:
            items, starts, ends = self.conditions, self.condition_starts, self.condition_ends
        i = bisect.bisect_left(starts, start)
        out = []
        while i < len(starts) and starts[i] < end:
            if ends[i] <= end:
                out.append(items[i])
            i += 1
        return out


def build_claims(
    doc_id: str,
    text: str,
    sentences: list[tuple[int, int]],
    mentions: list[Mention],
    regimens: list[RegimenRow],
    statistics: list[StatisticRow],
    doc_evidence: str | None = None,
    rules: str | Path | None = None,
) -> list[ClaimRow]:
    """Claim rows of one document, in text order (claim ids c1, c2...)."""
    cues = load_cues(rules)
    drug_mentions = _sorted_mentions(mentions, "DRUG")
    if not drug_mentions:
        return []  # every claim names a drug of its own clause: no cue needs looking for
    lower = lower_text(text)
    spans = cues.scanner.phrase_spans(text, lower)
    directions = cues.scanner.hits("directions", text, lower, spans)
    if not _share_a_sentence(sentences, drug_mentions, directions):
        return []  # a claim's clause holds a drug and a direction cue, and lies in one sentence
    scanned = {
        name: directions if name == "directions" else cues.scanner.hits(name, text, lower, spans)
        for name in SCANNED
    }
    doc = _prepare(text, cues, drug_mentions, mentions, _cue_hits(text, cues, lower, scanned))
    units = _units(text, sentences, cues, scanned["boundaries"])
    design = doc_evidence or _document_design(doc, units)
    # Where the mentions that regimens name are (a regimen belongs to the clause that holds
    # one of them); the other mentions are never looked up.
    named = {i for r in regimens for i in r.mention_ids}
    mention_span = (
        {m.mention_id: (m.start, m.end) for m in mentions if m.mention_id in named} if named else {}
    )
    regimens_of: dict[int, list[RegimenRow]] = {}
    for r in regimens:
        regimens_of.setdefault(r.sent_id, []).append(r)
    stats_of: dict[int, list[StatisticRow]] = {}
    for st in statistics:
        stats_of.setdefault(st.sent_id, []).append(st)
    rows: list[ClaimRow] = []
    named_source: str | None = None
    previous_person: str | None = None
    for unit in units:
        attribution, is_person, named_source = _attribution(doc, unit, named_source)
        if attribution is None and previous_person and _has_quote(text, unit):
            # A quotation that goes on after "..., she said." is still her word.
            attribution, is_person = previous_person, True
        previous_person = attribution if is_person else None
        for cs, ce in unit.clauses:
            claim = _clause_claim(doc, cs, ce)
            if claim is None:
                continue
            drugs, comparators, conditions, hit, direction, negated = claim
            certainty, certainty_hit = _certainty(doc, cs, ce)
            evidence = _evidence(doc, unit, cs, ce, is_person, design)
            rows.append(
                ClaimRow(
                    doc_id=doc_id,
                    claim_id=f"c{len(rows) + 1}",
                    sent_id=unit.sent_id,
                    drugs=drugs,
                    comparators=comparators,
                    conditions=conditions,
                    direction=direction,
                    negated=negated,
                    certainty=certainty,
                    evidence=evidence,
                    regimen_ids=_regimen_ids(
                        regimens_of.get(unit.sent_id, ()), cs, ce, mention_span
                    ),
                    stat_ids=tuple(
                        st.stat_id for st in stats_of.get(unit.sent_id, ()) if cs <= st.start < ce
                    ),
                    text=text[unit.start : unit.end],
                    start=unit.start,
                    end=unit.end,
                    attribution=attribution,
                    overclaim=_overclaim(doc, certainty, certainty_hit, evidence),
                    rule_id=hit.cue.id,
                )
            )
    return rows


def _share_a_sentence(
    sentences: Sequence[tuple[int, int]], drugs: Sequence[Mention], hits: Sequence[Hit]
) -> bool:
    """Whether some sentence holds a drug mention and a cue hit, each wholly (both lists sorted
    by start)."""
    drug_starts = [m.start for m in drugs]
    hit_starts = [h.start for h in hits]

    def holds(items: Sequence[Mention] | Sequence[Hit], starts: list[int], s: int, e: int) -> bool:
        i = bisect.bisect_left(starts, s)
        while i < len(items) and items[i].start < e:
            if items[i].end <= e:
                return True
            i += 1
        return False

    return any(
        holds(drugs, drug_starts, s, e) and holds(hits, hit_starts, s, e) for s, e in sentences
    )


def find_cues(text: str, cues: Cues, lower: str | None = None) -> dict[str, list[Hit]]:
    """Every cue hit of a text by kind (masks such as pseudo-negations have already hidden
    the cues inside them)."""
    low = lower_text(text) if lower is None else lower
    return _cue_hits(text, cues, low, cues.scanner.find(text, low))


def _cue_hits(
    text: str, cues: Cues, low: str, scanned: Mapping[str, list[Hit]]
) -> dict[str, list[Hit]]:
    """find_cues from the hits of the scanned groups."""
    markers = scanned["markers"]

    def marked(file: str, group: str) -> list[Hit]:
        return [h for h in markers if h.cue.group == group and h.cue.file == file]

    return {
        "hedges": marked("hedges.yml", "hedged"),
        "strong": marked("certainty.yml", "strong"),
        "negations": scanned["negations"],
        "terminators": marked("negations.yml", "terminators"),
        "directions": scanned["directions"],
        "not_claims": marked("directions.yml", "not_claims"),
        "comparators": scanned["comparators"],
        "evidence": scanned["evidence"],
        "weak": marked("evidence.yml", "weak"),
        "attribution": _attribution_hits(text, cues, scanned["speech_verbs"]),
    }


# How far around a speech verb an attribution regex looks ("Caron Pedersen, FNP-C, ... told").
_ATTRIBUTION_REACH = 300


def find_attribution(text: str, cues: Cues, lower: str | None = None) -> list[Hit]:
    """Who is quoted or credited: each attribution regex runs only near a speech verb."""
    low = lower_text(text) if lower is None else lower
    return _attribution_hits(text, cues, cues.speech_verbs.finditer(text, low))


def _attribution_hits(text: str, cues: Cues, speech_verbs: Iterable[Hit]) -> list[Hit]:
    """find_attribution with the speech verbs already found."""
    windows: list[list[int]] = []
    for verb in speech_verbs:
        start, end = max(0, verb.start - _ATTRIBUTION_REACH), verb.end + _ATTRIBUTION_REACH
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    found: dict[tuple[int, int, str], Hit] = {}
    for start, end in windows:
        for rule in cues.attribution:
            for m in rule.pattern.finditer(text, start, min(end, len(text))):
                who = m.group("who")
                first = who.split()[0] if who else ""
                if not who or (
                    rule.cue.person and first in cues.not_names and who not in cues.pronouns
                ):
                    continue
                found.setdefault(
                    (m.start(), m.end(), rule.cue.id), Hit(m.start(), m.end(), rule.cue, who)
                )
    return sorted(found.values(), key=lambda h: (h.start, -h.end))


def _prepare(
    text: str,
    cues: Cues,
    drugs: list[Mention],
    mentions: Sequence[Mention],
    hits: Mapping[str, list[Hit]],
) -> _Doc:
    """The document as _clause_claim looks it up; `drugs` are its drug mentions in text order."""
    conditions = _sorted_mentions(mentions, "CONDITION")
    return _Doc(
        text=text,
        cues=cues,
        drugs=drugs,
        drug_starts=[m.start for m in drugs],
        drug_ends=[m.end for m in drugs],
        conditions=conditions,
        condition_starts=[m.start for m in conditions],
        condition_ends=[m.end for m in conditions],
        hedges=_Hits.of(hits["hedges"]),
        strong=_Hits.of(hits["strong"]),
        negations=_Hits.of(hits["negations"]),
        terminators=_Hits.of(hits["terminators"]),
        directions=_Hits.of(hits["directions"]),
        not_claims=_Hits.of(hits["not_claims"]),
        comparators=_Hits.of(hits["comparators"]),
        evidence=_Hits.of(hits["evidence"]),
        weak=hits["weak"],
        attribution=_Hits.of(hits["attribution"]),
    )


# A mention's (start, end), read in C: sorting thousands of mentions by a lambda over the
# Mention properties cost more than the rest of a document's preparation.
_SPAN = operator.attrgetter("found.start", "found.end")
_START = operator.attrgetter("found.start")
_END = operator.attrgetter("found.end")


def _sorted_mentions(mentions: Iterable[Mention], label: str) -> list[Mention]:
    """The mentions of one label, sorted by (start, end)."""
    return sorted((m for m in mentions if m.found.label == label), key=_SPAN)


def _is_class(m: Mention) -> bool:
    return (m.found.data or {}).get("kind") == "class"


def _is_class_word(text: str, drugs: Sequence[Mention], i: int, cues: Cues) -> bool:
    """Whether drugs[i] (all drug mentions, in text order) names no drug taking part here: a
    descriptor right before a drug name ("the anesthetic ketamine", "the NMDA receptor
    antagonist ketamine"), a role ("the use of oxytocin as an analgesic"), a class adjective
    ("anesthetic doses"), a measured substance ("serum creatinine levels")."""
    m = drugs[i]
    if cues.measurement is not None and cues.measurement.match(text, m.end):
        return True
    if cues.measured_of is not None and cues.measured_of.search(
        text, max(0, m.start - 40), m.start
    ):
        return True
    nxt = drugs[i + 1] if i + 1 < len(drugs) else None
    if nxt is not None and nxt.start > m.end and not text[m.end : nxt.start].strip():
        return True
    if _ROLE.search(text, max(0, m.start - 30), m.start):
        return True
    return _is_class(m) and _CLASS_ADJECTIVE.match(text, m.end) is not None


def _name(doc: _Doc, m: Mention) -> str:
    return m.found.norm or doc.text[m.start : m.end]


def _dedupe(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for n in names:
        seen.setdefault(n.lower(), n)
    return tuple(seen.values())


def _has_quote(text: str, unit: Unit) -> bool:
    return any(q in text[unit.start : unit.end] for q in _QUOTES)


_Claim = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], Hit, str, bool]


def _clause_claim(doc: _Doc, cs: int, ce: int) -> _Claim | None:
    """The claim of one clause: drugs, comparators, conditions, cue, direction, negated."""
    text = doc.text
    # The cheap refusals first (most clauses name no drug or hold no direction cue): every
    # test here only returns None, so their order does not change any claim.
    if not doc.has_drug(cs, ce):
        return None  # no drug, no claim
    directions = doc.directions.within(cs, ce)
    if not directions:
        return None
    if text[cs:ce].rstrip("\"\u201d' )").endswith("?") or doc.not_claims.within(cs, ce):
        return None  # a question, a plan or a need asserts nothing
    all_drugs = doc.kept_drugs(cs, ce)
    if not all_drugs:
        return None  # only class words ("the anesthetic ketamine" has one drug: ketamine)
    conditions = doc.mentions("CONDITION", cs, ce)
    # A cue word inside a drug's name ("adrenergic blocking agents") is part of the name.
    drug_index = _Index.of(all_drugs)
    condition_index = _Index.of(conditions)
    hits = [
        h
        for h in directions
        if _requirements_met(text, h, drug_index, condition_index)
        and not _inside_drug_name(h, drug_index)
    ]
    if not hits:
        return None
    markers = doc.comparators.within(cs, ce)
    hit, direction = _choose(hits, markers)
    # No drug, no claim: "it" or "the 3 treatments" are not resolved to an earlier drug.
    attached = _attached_drug(hit, drug_index) if hit.cue.attached else None
    if attached is not None:
        drug_mentions = [attached]
    else:
        drug_mentions = _claimed_drugs(doc, cs, all_drugs, hits, markers)
    if not drug_mentions:
        return None
    drugs, comparators = _split_comparators(doc, cs, ce, drug_mentions, markers)
    # A placebo or sham arm is only ever compared with.
    controls = tuple(d for d in drugs if d.lower() in doc.cues.control_arms)
    if controls:
        drugs = tuple(d for d in drugs if d not in controls)
        comparators = _dedupe(comparators + controls)
    if not drugs:
        return None
    names = _dedupe(_name(doc, m) for m in conditions)
    negated = hit.cue.negated or _negated(doc, hit, cs, ce)
    return drugs, comparators, names, hit, direction, negated


def _choose(hits: Sequence[Hit], markers: Sequence[Hit]) -> tuple[Hit, str]:
    """The clause's deciding cue and direction: a comparison first, else the earliest cue.

    superior/inferior need a comparator marker; without one "superior analgesia" is a benefit.
    A magnitude comparison of a harm ("addictive potential ... far less than") is superior.
    """
    comparative = [
        h
        for h in hits
        if h.cue.group == "no_difference" or (h.cue.group in COMPARATIVE and markers)
    ]
    if comparative:
        hit = comparative[0]
        if hit.cue.scale and any(h.cue.group == "harm" and h.start < hit.start for h in hits):
            return hit, "superior"
        return hit, hit.cue.group
    # "unclear" cues ("altered", "effect on") count only when nothing else does.
    plain = [
        h
        for h in hits
        if (h.cue.group not in COMPARATIVE or h.cue.group == "superior")
        and h.cue.group != "unclear"
    ]
    if plain:
        hit = plain[0]
        return hit, "benefit" if hit.cue.group == "superior" else hit.cue.group
    return hits[0], hits[0].cue.group


def _count_words(text: str, start: int, end: int, limit: int) -> int:
    """How many words text[start:end] holds, counting no further than `limit`."""
    n = 0
    for _ in _WORD.finditer(text, start, end):
        n += 1
        if n >= limit:
            break
    return n


def _claimed_drugs(
    doc: _Doc, cs: int, drugs: Sequence[Mention], hits: Sequence[Hit], markers: Sequence[Hit]
) -> list[Mention]:
    """Drugs the clause makes a claim about. Not: a word of a cue ("analgesic effects"); the
    thing a "reduce" cue reduces ("reduce the use of opioids"); a drug that describes the
    population in an opening phrase ("For patients who are taking opioids, ketamine ...").
    Each rule applies only when some other drug is left."""
    # Drugs that no cue hit overlaps (hits sorted by start, with the running maximum of
    # their ends: one bisection per drug keeps a long clause linear).
    by_start = sorted(hits, key=_HIT_START)
    hit_starts = [h.start for h in by_start]
    max_end = list(itertools.accumulate((h.end for h in by_start), max))

    def overlapped(m: Mention) -> bool:
        i = bisect.bisect_left(hit_starts, m.end)
        return i > 0 and max_end[i - 1] > m.start

    kept = [m for m in drugs if not overlapped(m)]
    # A comparison ends what is reduced: "reducing allodynia compared with methadone".
    stops = sorted(
        [h.start for h in hits if h.cue.group in COMPARATIVE] + [k.start for k in markers]
    )
    ordered = sorted(kept, key=_START)
    kept_starts = [m.start for m in ordered]
    objects = set()
    for h in hits:
        if h.cue.id != "benefit-reduce":
            continue
        j = bisect.bisect_left(stops, h.end)
        stop = stops[j] if j < len(stops) else None
        # The drugs right after the cue, nearest first; a later drug's gap holds a nearer
        # one's, so the first that fails (a comma, too many words, a comparison) ends it.
        for m in ordered[bisect.bisect_left(kept_starts, h.end) :]:
            if "," in doc.text[h.end : m.start] or (stop is not None and stop < m.start):
                break
            if _count_words(doc.text, h.end, m.start, _OBJECT_WORDS + 1) > _OBJECT_WORDS:
                break
            objects.add(m.mention_id)
    population = _POPULATION.match(doc.text, cs)
    if population:
        objects.update(m.mention_id for m in kept if m.end <= population.end())
    subjects = [m for m in kept if m.mention_id not in objects]
    if not subjects:
        return kept
    named = {_name(doc, m).lower() for m in subjects}
    return [m for m in kept if m.mention_id not in objects or _name(doc, m).lower() in named]


@dataclass(frozen=True, slots=True)
class _Index:
    """A clause's mentions of one label sorted by start, for the cue checks: every check is a
    comparison or a bisection, so a long clause stays linear (one label's mentions never
    overlap, so their ends are sorted too)."""

    items: tuple[Mention, ...]
    starts: tuple[int, ...]
    min_end: int
    max_start: int

    @classmethod
    def of(cls, mentions: Sequence[Mention]) -> _Index:
        """The index of mentions given in (start, end) order, as _Doc hands them out."""
        items = tuple(mentions)
        starts = tuple(map(_START, items))
        return cls(items, starts, min(map(_END, items), default=-1), max(starts, default=-1))

    def __bool__(self) -> bool:
        return bool(self.items)

    def any_before(self, pos: int) -> bool:
        return bool(self.items) and self.min_end <= pos

    def any_after(self, pos: int) -> bool:
        return bool(self.items) and self.max_start >= pos

    def first_after(self, pos: int) -> Mention | None:
        i = bisect.bisect_left(self.starts, pos)
        return self.items[i] if i < len(self.items) else None

    def last_starting_by(self, pos: int, strict: bool = False) -> Mention | None:
        i = (bisect.bisect_left if strict else bisect.bisect_right)(self.starts, pos)
        return self.items[i - 1] if i else None


def _requirements_met(text: str, hit: Hit, drugs: _Index, conditions: _Index) -> bool:
    def drug_after() -> bool:
        # "rhabdomyolysis associated with clozapine": the drug right after the cue (a few
        # words, no comma), not one further on ("pain associated with fibromyalgia, opioids").
        # Only the nearest drug can qualify: a later one's gap holds the nearer one's.
        m = drugs.first_after(hit.end)
        if m is None or "," in text[hit.end : m.start]:
            return False
        words = 0
        for _ in _WORD.finditer(text, hit.end, m.start):
            words += 1
            if words > _LINK_WORDS:
                return False
        return True

    for need in hit.cue.requires:
        if need == "drug_before" and not drugs.any_before(hit.start):
            return False
        if need == "condition_after" and not conditions.any_after(hit.end):
            return False
        if need == "condition" and not conditions:
            return False
        if need == "drug_and_condition" and not (
            (drugs.any_before(hit.start) and conditions.any_after(hit.end))
            or (conditions.any_before(hit.start) and drug_after())
        ):
            return False
    if hit.cue.attached and _attached_drug(hit, drugs) is None:
        return False
    return True


def _inside_drug_name(hit: Hit, drugs: _Index) -> bool:
    """A cue word inside a longer drug name ("adrenergic blocking agents")."""
    m = drugs.last_starting_by(hit.start)
    return (
        m is not None
        and m.start <= hit.start
        and hit.end <= m.end
        and m.end - m.start > hit.end - hit.start
    )


def _attached_drug(hit: Hit, drugs: _Index) -> Mention | None:
    """The drug a cue hangs on: "nafcillin" of "nafcillin-induced"."""
    m = drugs.last_starting_by(hit.start, strict=True)
    return m if m is not None and m.end == hit.start else None


def _split_comparators(
    doc: _Doc, cs: int, ce: int, drug_mentions: Sequence[Mention], markers: Sequence[Hit]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Claimed drugs and comparators: drugs after "than"/"superior to"/"versus" compare."""
    for marker in markers:
        before = [m for m in drug_mentions if m.end <= marker.start]
        after = [m for m in drug_mentions if m.start >= marker.end]
        if before and after:
            return _dedupe(_name(doc, m) for m in before), _combinations(doc, after)
        if not before and after:
            # "Compared with morphine, ketamine ...": the comparators run to the next comma.
            comma = doc.text.find(",", marker.end, ce)
            stop = comma if comma != -1 else ce
            comp = [m for m in after if m.start < stop]
            rest = [m for m in drug_mentions if m.start >= stop]
            if comp and rest:
                return _dedupe(_name(doc, m) for m in rest), _combinations(doc, comp)
    return _dedupe(_name(doc, m) for m in drug_mentions), ()


def _combinations(doc: _Doc, mentions: Sequence[Mention]) -> tuple[str, ...]:
    """Comparator names, joining a written combination into one: "methadone/ketamine"."""
    groups: list[list[Mention]] = []
    for m in mentions:
        if groups and _COMBINED.match(doc.text[groups[-1][-1].end : m.start] + ""):
            groups[-1].append(m)
        else:
            groups.append([m])
    return _dedupe("/".join(_name(doc, m) for m in g) for g in groups)


def _negated(doc: _Doc, hit: Hit, cs: int, ce: int) -> bool:
    """Whether a negation's scope (ConText style) covers the cue's start."""
    for neg in doc.negations.within(cs, ce):
        scope = neg.cue.scope
        if scope in ("forward", "both") and neg.start <= hit.start < _forward_end(doc, neg, ce):
            return True
        if scope in ("backward", "both") and _backward_start(doc, neg, cs) <= hit.start < neg.end:
            return True
    return False


def _forward_end(doc: _Doc, neg: Hit, ce: int) -> int:
    end = ce
    for term in doc.terminators.within(neg.end, ce):
        end = term.start
        break
    words = 0
    for m in _WORD.finditer(doc.text, neg.end, end):
        words += 1
        if words > doc.cues.window:
            return m.start()
    return end


def _backward_start(doc: _Doc, neg: Hit, cs: int) -> int:
    start = cs
    terms = doc.terminators.within(cs, neg.start)
    if terms:
        start = terms[-1].end
    # Only the last `window` words matter: look no further back than they can reach.
    start = max(start, neg.start - _WINDOW_CHARS * doc.cues.window)
    spans = [m.start() for m in _WORD.finditer(doc.text, start, neg.start)]
    if len(spans) > doc.cues.window:
        return spans[-doc.cues.window]
    return start


def _certainty(doc: _Doc, cs: int, ce: int) -> tuple[str, Hit | None]:
    """hedged if a hedge is in the clause, else strong if a booster is, else asserted."""
    hedges = doc.hedges.within(cs, ce)
    if hedges:
        return "hedged", hedges[0]
    strong = doc.strong.within(cs, ce)
    if strong:
        return "strong", strong[0]
    return "asserted", None


def _evidence(doc: _Doc, unit: Unit, cs: int, ce: int, is_person: bool, design: str | None) -> str:
    """Sentence cues first (the clause's own, then the unit's), then a quoted clinician, then
    the document's design (given, or found in its lede or its range of designs)."""
    for start, end in ((cs, ce), (unit.start, unit.end)):
        hits = doc.evidence.within(start, end)
        if hits:
            return hits[0].cue.group
    if is_person:
        return "expert_opinion"
    return design or "unspecified"


def _document_design(doc: _Doc, units: Sequence[Unit]) -> str | None:
    """The document's own design: one named in its first sentences ("A randomized controlled
    trial ... revealed"), else "review" when the text names several different designs (it
    reports on many studies). A case report or anecdote named later is that sentence's
    business, not the document's."""
    if not units:
        return None
    lede_end = units[min(_LEDE_UNITS, len(units)) - 1].end
    for hit in doc.evidence.within(units[0].start, lede_end):
        if hit.cue.group in _LEDE_DESIGNS:
            return hit.cue.group
    body_end = units[-1].end
    groups = {h.cue.group for h in doc.evidence.within(units[0].start, body_end)}
    if len(groups - {"review"}) >= _REVIEW_DESIGNS:
        return "review"
    return None


def _attribution(
    doc: _Doc, unit: Unit, named_source: str | None
) -> tuple[str | None, bool, str | None]:
    """Who the unit quotes (pronouns resolved to the latest named source), whether it is a
    person, and the latest named source after this unit."""
    who: str | None = None
    person = False
    latest = named_source
    for hit in doc.attribution.within(unit.start, unit.end):
        name = hit.who or ""
        if name in doc.cues.pronouns:
            if who is None and latest:
                who, person = latest, True
            continue
        if who is None:
            who, person = _clean_name(name), hit.cue.person
        if hit.cue.person:
            latest = _clean_name(name)
    return who, person, latest


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def _regimen_ids(
    regimens: Sequence[RegimenRow],
    cs: int,
    ce: int,
    mention_span: Mapping[str, tuple[int, int]],
) -> tuple[str, ...]:
    """The sentence's regimens that lie in the clause (by their mentions), or all of them when
    they name no mention. A combination's drugs share one regimen id: each id is listed once."""
    out: dict[str, None] = {}
    for r in regimens:
        spans = [mention_span[i] for i in r.mention_ids if i in mention_span]
        if not spans or any(cs <= s < ce for s, _ in spans):
            out[r.regimen_id] = None
    return tuple(out)


def _overclaim(doc: _Doc, certainty: str, hit: Hit | None, evidence: str) -> str | None:
    """A reason when strong certainty rests on weak evidence; else None."""
    if certainty != "strong" or hit is None or evidence in STRONG_EVIDENCE:
        return None
    cue = doc.text[hit.start : hit.end]
    remarks = _dedupe(doc.text[w.start : w.end].strip() for w in doc.weak)
    if evidence not in WEAK_EVIDENCE and not remarks:
        return None
    reason = f"strong certainty ('{cue}') rests on {evidence.replace('_', ' ')} evidence"
    if remarks:
        quoted = ", ".join(f"'{r}'" for r in remarks[:3])
        reason += f"; the text calls its evidence weak ({quoted})"
    return reason
