"""Dictionary recognizer for drugs and conditions: an Aho-Corasick automaton over rules/lexicons/.

Matching happens on a length-preserving normal form of the text (lower case, every character that
is not a letter or digit turned into a space), so character offsets map back 1:1, hyphen and space
variants meet, and each key padded with a space on both sides can only match at token boundaries.
Punctuation that separates list items becomes a double space, which no key contains.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

from spacy.language import Language

from claimx.errors import RuleError
from claimx.recognize.base import Found, add_found, doc_text, register_extensions
from claimx.rules import read_tsv, rules_dir

# Bump when the pickled layout or the key normalization changes: old caches are then ignored.
CACHE_FORMAT = "lexicon-v1"

# Digest of this module as imported (read once, at import): part of the cache key.
_CODE_DIGEST = hashlib.sha256(CACHE_FORMAT.encode() + Path(__file__).read_bytes()).hexdigest()

# Lexicon files by label, in load order; a later file's surface overrides an earlier one's.
LEXICON_FILES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "DRUG": ("drugs.tsv", "drugs.extra.tsv"),
        "CONDITION": ("conditions.tsv", "conditions.extra.tsv"),
    }
)
DENY_FILE = "deny.tsv"
TARGETS_FILE = "targets.tsv"
ENDOGENOUS_FILE = "endogenous.tsv"
RULE_IDS: Mapping[str, str] = MappingProxyType(
    {"DRUG": "lexicon-drug", "CONDITION": "lexicon-condition"}
)
TARGET_KINDS = (
    "drug",
    "class",
    "condition",
    "prefix",
    "before",
    "modifier",
    "head",
    "class-prefix",
    "salt",
    "fluid",
    "measure",
    "measure-of",
    "block",
    "nominal",
    "head-only",
)
KINDS = ("class",)  # lexicon `kind` values: a drug class
ID_SCHEMES = ("DrugBank", "MESH", "HP", "CLAIMX")

_ASCII_TABLE = bytes(c if chr(c).isalnum() else 32 for c in range(128)) + b" " * 128
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# A comma between two letters (not "1,2-diol"), or any semicolon, separates list items.
_LIST_PUNCT = re.compile(r"(?<=[^\W\d_]),|,(?=[^\W\d_])|;")
_JOINABLE = re.compile(r"(?<=[^\W\d_]{3})-(?=[^\W\d_]{3})")
# "receptor antagonist" names a drug class, not a target; the class lexicon entries cover it.
_CLASS_AFTER_TARGET = r"(?![\s-]{1,3}(?:(?:ant)?agonists?|blockers?|inhibitors?)\b)"
# Web addresses: names inside them ("/Ketamine_for_Depression") are not mentions.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.I)
_ACRONYM = re.compile(r"[A-Z0-9][A-Z0-9-]*")
# A subtype written between a ligand and its receptor: "cannabinoid CB1 receptors", "dopamine
# D2 receptor", "serotonin 5-HT2A receptors" (a short token with a digit).
_SUBTYPE = r"(?:\s{1,3}(?=[^\s]{0,11}\d)[^\W_]{1,5}(?:[-/][^\W_]{1,4}){0,2})?"
# Something more of the noun phrase follows: a word, not punctuation or the end of the text.
_NEXT_WORD = re.compile(r"[ \t]{0,3}[^\W_]")
# An acronym in brackets right after a name: "temporomandibular pain (TMJ)".
_PAREN_ACRONYM = re.compile(r"[ \t]{0,2}\(([A-Z][A-Z0-9]{1,5})\)")
_ID = re.compile(r"(DrugBank:DB\d{5}|MESH:[CD]\d{6,9}|HP:\d{7}|CLAIMX:[a-z0-9-]+)")


def normalize(text: str) -> str:
    """Lower-case `text` and turn every non-alphanumeric character into a space (same length)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A few characters (e.g. 'İ') grow when lower-cased; keep those as they are.
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    # Bytes translation is ~100x faster than str.translate or a regex over every character.
    # Non-ASCII characters become '?' (one byte each, so offsets hold), then a space; the few
    # non-ASCII letters (é, µ, α) are put back afterwards.
    out = lowered.encode("ascii", "replace").translate(_ASCII_TABLE).decode("ascii")
    if lowered.isascii():
        return out
    pieces: list[str] = []
    last = 0
    for m in _NON_ASCII.finditer(lowered):
        pieces.append(out[last : m.start()])
        pieces.append("".join(c if c.isalnum() else " " for c in m.group()))
        last = m.end()
    pieces.append(out[last:])
    return "".join(pieces)


def surface_key(surface: str) -> str:
    """The automaton key of a surface: normalized, runs of spaces collapsed."""
    return " ".join(normalize(surface).split())


def is_case_sensitive(surface: str) -> bool:
    """Short forms match only as written: 3 characters or fewer, upper-case acronyms up to 5
    ("AIDS"), and short mixed-case names ("SAMe", "mAb"), which are ordinary words otherwise."""
    s = surface.strip()
    if len(s) <= 3:
        return True
    if len(s) <= 5 and _ACRONYM.fullmatch(s):
        return True
    return len(s) <= 6 and " " not in s and any(c.isupper() for c in s[1:])


def variants(surface: str, case_sensitive: bool | None = None) -> tuple[str, ...]:
    """Keys a surface is found under: itself, its plural, and its hyphen-less compound."""
    key = surface_key(surface)
    out = [key]
    if "-" in surface and _JOINABLE.search(surface):
        # "anti-inflammatory" is also written "antiinflammatory"; not "sam-e" -> "same".
        out.append(surface_key(_JOINABLE.sub("", surface)))
    if case_sensitive is None:
        case_sensitive = is_case_sensitive(surface)
    if not case_sensitive:
        for k in tuple(out):
            last = k.rsplit(" ", 1)[-1]
            if len(last) >= 4 and last.isalpha():
                out.append(k[: len(k) - len(last)] + plural(last))
    return tuple(dict.fromkeys(out))


def plural(word: str) -> str:
    """The regular English plural of a lower-case word (metastasis -> metastases)."""
    if word.endswith("is"):
        return word[:-2] + "es"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word if word.endswith(("us", "ss")) else word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


@dataclass(frozen=True, slots=True)
class Entry:
    """One concept of a lexicon: what a match reports."""

    label: str
    concept_id: str
    norm: str
    data: Mapping[str, Any]


# What one automaton key stands for: (length of the key without its padding spaces, indexes into
# Lexicon.entries, surfaces that must match as written or None for any case, has several words).
_Key = tuple[int, tuple[int, ...], frozenset[str] | None, bool]
_NO_DATA: Mapping[str, Any] = MappingProxyType({})
# The label of the one entry that stands for every phrase of targets.tsv's "block" kind.
_BLOCK_LABEL = "-"
_POSITION = attrgetter("start", "end", "label")


class Lexicon:
    """A compiled dictionary: `find(text)` returns the longest DRUG and CONDITION matches."""

    def __init__(
        self,
        automaton: Any,
        keys: Sequence[_Key],
        entries: Sequence[Entry],
        targets: Mapping[str, frozenset[str]],
        endogenous: frozenset[str] = frozenset(),
        nominal: frozenset[int] = frozenset(),
        head_only: frozenset[int] = frozenset(),
    ) -> None:
        self._automaton = automaton
        # Keys are stored column-wise (a quarter of a million of them are unpickled at every
        # start): arrays for the common case, dicts for the few keys with more than one entry
        # or a case-sensitive surface.
        self._length = array("H", (k[0] for k in keys))
        self._entry = array("i", (k[1][0] for k in keys))
        self._more = {i: k[1] for i, k in enumerate(keys) if len(k[1]) > 1}
        self._exact = {i: k[2] for i, k in enumerate(keys) if k[2] is not None}
        self.entries = tuple(entries)
        self.endogenous = endogenous
        self._role = bytes(
            _role(k, self.entries, endogenous)
            | (_NOMINAL if i in nominal else 0)
            | (_HEAD_ONLY if i in head_only else 0)
            for i, k in enumerate(keys)
        )
        # Words after a drug name that make it a molecular target ("NMDA receptor"), and words
        # after a drug class that make it a property ("anticonvulsant effects").
        self._drug_target = _heads_regex(targets.get("drug", frozenset()))
        self._class_target = _heads_regex(
            targets.get("drug", frozenset()) | targets.get("class", frozenset())
        )
        # Words after a condition that make it a modifier ("pain signals", "pain clinician").
        self._condition_target = _heads_regex(targets.get("condition", frozenset()))
        # Prefixes glued to a name by a hyphen that negate it ("non-diabetic", "non-convulsant"),
        # and words before a drug name that make it the body's own ("endogenous opioids").
        self._prefix = _words_before(targets.get("prefix", frozenset()), "-")
        # ... and prefixes that negate a drug class only: "anti-diuretic hormone" (but an
        # "anti-cephalothin antibody" still names cephalothin).
        self._class_prefix = _words_before(targets.get("class-prefix", frozenset()), "-")
        self._before = _words_before(targets.get("before", frozenset()), r"\s{1,3}")
        # Words that belong to the span: clinical modifiers before a condition ("chronic
        # neuropathic pain", "postoperative pain") and generic heads after a drug class
        # ("anesthetic agents", "opioid medications").
        modifiers = sorted(targets.get("modifier", frozenset()), key=len, reverse=True)
        # Last words of the modifiers: a cheap test before the regex runs.
        self._modifier_last = frozenset(re.split(r"[\s-]+", m.lower())[-1] for m in modifiers)
        self._modifiers = (
            re.compile(
                r"(?:\b(?:"
                + "|".join(map(re.escape, modifiers))
                + r")(?:[\s-]{1,3}|,\s{1,3}|\s{1,3}(?:and|or)\s{1,3})){1,4}\Z",
                re.I,
            )
            if modifiers
            else None
        )
        # Salts written next to a drug belong to its span ("lanthanum nitrate", "quinine
        # sulfate", "sulfate quinine"), instead of being a second drug.
        self._salt_after = _words_after(targets.get("salt", frozenset()), r"\s{1,2}")
        self._salt_words = frozenset(w.lower() for w in targets.get("salt", frozenset()))
        # An endogenous substance measured in a body fluid is an analyte, not a drug given to
        # someone: "serum cortisol", "plasma insulin", "prolactin levels", "levels of VIP".
        fluids = targets.get("fluid", frozenset())
        measures = targets.get("measure", frozenset())
        measures_of = targets.get("measure-of", frozenset())
        self._fluid_last = frozenset(re.split(r"[\s-]+", f.lower())[-1] for f in fluids) | {
            "of",
            "the",
        }
        # Before the name: a fluid ("serum"), a measure of it ("levels of"), or a fluid's
        # measure of it ("tissue concentrations of").
        fluid, measure_of = _alternatives(fluids), _alternatives(measures_of)
        before = [fluid] if fluid else []
        if measure_of:
            before.append(measure_of + r"\s{1,3}of(?:\s{1,3}the)?")
        if fluid and (measures or measures_of):
            before.append(fluid + r"\s{1,3}" + _alternatives(measures | measures_of) + r"\s{1,3}of")
        self._analyte_before = (
            re.compile(r"\b(?:" + "|".join(before) + r")[\s-]{1,3}\Z", re.I) if before else None
        )
        self._analyte_after = _words_after(measures)
        heads = sorted(targets.get("head", frozenset()), key=len, reverse=True)
        self._class_head = (
            re.compile(r"[\s-]{1,3}(?:" + "|".join(map(re.escape, heads)) + r")\b", re.I)
            if heads
            else None
        )

    def __getstate__(self) -> dict[str, Any]:
        # MappingProxyType does not pickle: store entries as plain tuples and dicts.
        state = dict(self.__dict__)
        state["entries"] = [(e.label, e.concept_id, e.norm, dict(e.data)) for e in self.entries]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        entries = state.pop("entries")
        self.__dict__.update(state)
        self.entries = tuple(
            Entry(label, cid, norm, MappingProxyType(data) if data else _NO_DATA)
            for label, cid, norm, data in entries
        )

    def __len__(self) -> int:
        return len(self._length)

    def _entries_of(self, idx: int) -> tuple[int, ...]:
        more = self._more.get(idx)
        return more if more is not None else (self._entry[idx],)

    def lookup(self, surface: str) -> tuple[Entry, ...]:
        """The entries whose surface is exactly `surface` (case rules applied)."""
        idx = self._automaton.get(" " + surface_key(surface) + " ", None)
        if idx is None:
            return ()
        exact = self._exact.get(idx)
        if exact is not None and surface.strip() not in exact:
            return ()
        found = (self.entries[i] for i in self._entries_of(idx))
        return tuple(e for e in found if e.label != _BLOCK_LABEL)

    def is_analyte(self, text: str, start: int, end: int) -> bool:
        """Whether `text[start:end]` is named as something measured: "serum cortisol",
        "prolactin levels", "levels of VIP", "tissue concentrations of VIP" (targets.tsv's
        fluid, measure and measure-of words); not "cortisol was given"."""
        if self._analyte_after is not None and self._analyte_after.match(text, end):
            return True
        if (
            self._analyte_before is not None
            and start
            and text[start - 1] in " -\n"
            and _word_before(text, start) in self._fluid_last
        ):
            return self._analyte_before.search(text, max(0, start - 40), start) is not None
        return False

    def find(self, text: str) -> list[Found]:
        """Longest non-overlapping dictionary matches in `text`, sorted by position."""
        norm = normalize(text)
        if "://" in text or "www." in text:
            # Names inside web addresses ("/Ketamine_for_Depression") are not mentions.
            for m in _URL.finditer(text):
                norm = norm[: m.start()] + " " * (m.end() - m.start()) + norm[m.end() :]
        blocked = -1
        spans: list[tuple[int, int, int, int]] = []
        length, exact_of, role, prefix = self._length, self._exact, self._role, self._prefix
        for end_pos, idx in self._automaton.iter(" " + norm + " "):
            start = end_pos - length[idx] - 1
            end = end_pos - 1
            exact = exact_of.get(idx)
            if exact is not None and text[start:end] not in exact:
                continue
            if role[idx] & _MULTI_WORD and _LIST_PUNCT.search(text, start, end):
                continue
            if start and text[start - 1] == "-" and prefix is not None:
                if prefix.search(text, max(0, start - 12), start):
                    continue
            r = role[idx]
            if r & _BLOCK:
                # A phrase that is not a mention ("oxidative stress", "cell death") hides
                # the names inside it.
                spans.append((start, end, blocked, 0))
                continue
            if r & _ENDOGENOUS and self.is_analyte(text, start, end):
                spans.append((start, end, blocked, 0))
                continue
            if r & _NOMINAL and _NEXT_WORD.match(text, end):
                continue
            if r & (_DRUG | _CLASS):
                if self._before is not None and start and text[start - 1].isspace():
                    if self._before.search(text, max(0, start - 24), start):
                        continue
                regex = self._class_target if r & _CLASS else self._drug_target
                after = regex.match(text, end) if regex is not None else None
                if after is not None:
                    # The name plus "receptor" is one span that reports nothing.
                    spans.append((start, after.end(), blocked, 0))
                    continue
                if r & _CLASS and start and text[start - 1] == "-":
                    if self._class_prefix is not None:
                        if self._class_prefix.search(text, max(0, start - 12), start):
                            continue
            if r & _CLASS and self._class_head is not None:
                head = self._class_head.match(text, end)
                if head is not None:
                    end = head.end()
                elif r & _HEAD_ONLY:
                    continue
            if r & _CONDITION:
                if self._condition_target is not None:
                    after = self._condition_target.match(text, end)
                    if after is not None:
                        spans.append((start, after.end(), blocked, 0))
                        continue
                if (
                    self._modifiers is not None
                    and start
                    and text[start - 1] in " -\n"
                    and _word_before(text, start) in self._modifier_last
                ):
                    before = self._modifiers.search(text, max(0, start - 80), start)
                    if before is not None:
                        # Extended spans lose ties to a name that is exactly that long
                        # ("treatment-resistant depression" is its own concept).
                        spans.append((before.start(), end, idx, 1))
                        continue
            spans.append((start, end, idx, 0))
        # Longest first, then leftmost, then not extended: plain tuples sort that way.
        ordered = sorted((s - e, s, x, e, i) for s, e, i, x in spans)
        taken = bytearray(len(text))
        out: list[Found] = []
        entries, more, first = self.entries, self._more, self._entry
        for _, start, _, end, idx in ordered:
            if taken.find(1, start, end) != -1:
                continue
            taken[start:end] = b"\x01" * (end - start)
            if idx == blocked:
                continue
            several = more.get(idx)
            for e in several if several is not None else (first[idx],):
                entry = entries[e]
                out.append(
                    Found(
                        start,
                        end,
                        entry.label,
                        RULE_IDS[entry.label],
                        entry.norm,
                        entry.concept_id,
                        entry.data,
                    )
                )
        out.sort(key=_POSITION)
        if self._salt_after is not None and out:
            out = self._attach_salts(text, out)
        return out

    def _attach_salts(self, text: str, found: list[Found]) -> list[Found]:
        """A salt written next to a drug joins the drug's span ("lanthanum nitrate", "sulfate
        quinine", "oxitropium bromide") instead of being a second drug."""
        salts, after = self._salt_words, self._salt_after
        out: list[Found] = []
        absorbed: set[int] = set()
        for i, f in enumerate(found):
            if i in absorbed:
                continue
            if (
                f.label != "DRUG"
                or f.data.get("kind") == "class"
                or text[f.start : f.end].lower() in salts
            ):
                out.append(f)
                continue
            start, end = f.start, f.end
            m = after.match(text, end) if after is not None else None
            if m is not None:
                # Whatever was found in the salt's place must be that salt itself.
                inside = []
                j = i + 1
                while j < len(found) and found[j].start < m.end():
                    inside.append(j)
                    j += 1
                if all(
                    found[k].end <= m.end() and text[found[k].start : found[k].end].lower() in salts
                    for k in inside
                ):
                    end = m.end()
                    absorbed.update(inside)
            if start > 1 and text[start - 1] == " ":
                begin = _start_of_word_before(text, start)
                if text[begin : start - 1].lower() in salts:
                    before = [g for g in out if g.end > begin]
                    if all(g.start >= begin for g in before):
                        # Only the salt itself was found there ("sulfate" as a drug): drop it.
                        out = out[: len(out) - len(before)]
                        start = begin
            if (start, end) != (f.start, f.end):
                f = Found(start, end, f.label, f.rule_id, f.norm, f.concept_id, f.data)
            out.append(f)
        return out


# Per-key flags, computed once: what checks a match of the key needs.
_MULTI_WORD = 1  # may span list punctuation in the original text
_DRUG = 2  # a drug name: "receptor" after it makes it a target
_CLASS = 4  # a drug class: "effects" after it makes it a property
_CONDITION = 8  # a condition: "signals" after it makes it a modifier
_BLOCK = 16  # a phrase that is no mention and hides the names inside it ("oxidative stress")
_ENDOGENOUS = 32  # a substance the body makes: an analyte when measured ("serum cortisol")
_NOMINAL = 64  # an adjective that is a mention only when used as a noun ("treat neuropathic.")
_HEAD_ONLY = 128  # a class adjective that names drugs only with a head ("cholinergic agents")


def _role(key: _Key, entries: Sequence[Entry], endogenous: frozenset[str] = frozenset()) -> int:
    _, indexes, _, several_words = key
    if any(entries[i].label == _BLOCK_LABEL for i in indexes):
        return _BLOCK
    drugs = [entries[i] for i in indexes if entries[i].label == "DRUG"]
    flags = _MULTI_WORD if several_words else 0
    if drugs:
        flags |= _CLASS if any(e.data.get("kind") == "class" for e in drugs) else _DRUG
        if any(e.concept_id in endogenous for e in drugs):
            flags |= _ENDOGENOUS
    if any(entries[i].label == "CONDITION" for i in indexes):
        flags |= _CONDITION
    return flags


def _start_of_word_before(text: str, start: int) -> int:
    """Where the word (letters) that ends one space before `start` begins."""
    begin = start - 1
    while begin > 0 and text[begin - 1].isalpha() and start - begin < 20:
        begin -= 1
    return begin


def _alternatives(words: Iterable[str]) -> str:
    """A regex group of `words` (longest first; a space matches 1-3 white-space characters),
    or "" when there are none."""
    ordered = sorted(words, key=len, reverse=True)
    if not ordered:
        return ""
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s{1,3}") for w in ordered) + ")"


def _words_after(words: Iterable[str], separator: str = r"[\s-]{1,2}") -> re.Pattern[str] | None:
    """A regex that matches `separator` and one of `words` right after a match."""
    group = _alternatives(words)
    return re.compile(separator + group + r"\b(?!-)", re.I) if group else None


def _word_before(text: str, start: int) -> str:
    """The lower-cased word that ends right before `start`, skipping spaces and hyphens."""
    end = start
    while end > 0 and text[end - 1] in " -\n":
        end -= 1
    begin = end
    while begin > 0 and text[begin - 1].isalpha():
        begin -= 1
    return text[begin:end].lower()


def _words_before(words: Iterable[str], separator: str) -> re.Pattern[str] | None:
    """A regex that finds one of `words` and `separator` right before a match."""
    ordered = sorted(words, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, ordered)) + ")" + separator + r"\Z", re.I)


def _heads_regex(heads: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(heads, key=len, reverse=True)
    if not ordered:
        return None
    alternatives = "|".join(re.escape(h).replace(r"\ ", r"\s{1,3}") for h in ordered)
    # An abbreviation may stand between name and head: "N-methyl-D-aspartate (NMDA) receptors".
    return re.compile(
        r"(?:\s{0,3}\([^()\s]{1,12}\))?"
        + _SUBTYPE
        + r"[\s-]{1,2}(?:"
        + alternatives
        + r")\b"
        + _CLASS_AFTER_TARGET,
        re.I,
    )


def apply_abbreviations(
    lexicon: Lexicon,
    text: str,
    found: Sequence[Found],
    pairs: Iterable[tuple[int, int, int, int]],
) -> list[Found]:
    """Give each short form the document defines the concept of its long form.

    `pairs` holds (short_start, short_end, long_start, long_end) for every occurrence of a short
    form (scispaCy's doc._.abbreviations). A short form whose long form is a known concept is
    reported wherever it occurs; one whose long form is something else is not reported at all
    (in this document "MS" may mean "mass spectrometry", not multiple sclerosis) when it has
    three characters or fewer; a longer acronym keeps its lexicon meaning.

    A condition followed by an acronym in brackets that starts with the condition's first
    letter defines that acronym too, when the detector, which needs every letter of the short
    form in the long form, did not pair them: "temporomandibular pain (TMJ)".
    """
    by_short: dict[str, tuple[int, int]] = {}
    occurrences: dict[str, set[tuple[int, int]]] = {}
    for s_start, s_end, l_start, l_end in pairs:
        short = text[s_start:s_end]
        by_short.setdefault(short, (l_start, l_end))
        occurrences.setdefault(short, set()).add((s_start, s_end))
    for f in found:
        if f.label != "CONDITION" or "(" not in text[f.end : f.end + 3]:
            continue
        m = _PAREN_ACRONYM.match(text, f.end)
        if m is not None and m.group(1)[0] == text[f.start].upper() and m.group(1) not in by_short:
            by_short[m.group(1)] = (f.start, f.end)
            occurrences[m.group(1)] = {(m.start(1), m.end(1))}
    if not by_short:
        return list(found)
    by_span: dict[tuple[int, int], list[Found]] = {}
    for f in found:
        by_span.setdefault((f.start, f.end), []).append(f)
    replace: dict[tuple[int, int], list[Found]] = {}
    for short, (l_start, l_end) in by_short.items():
        meaning = _long_form_meaning(lexicon, text, l_start, l_end, by_span)
        if not meaning and len(short) > 3:
            # An unknown long form does not overrule a specific acronym the lexicon knows
            # ("SIADH" defined by a wording the lexicon lacks); only short ones ("MS") are
            # ambiguous enough to drop.
            continue
        occurrences[short].update(_standalone(text, short))
        # An endogenous substance's short form measured ("VIP levels") is no drug there.
        endogenous = any(f.concept_id in lexicon.endogenous for f in meaning)
        for span in occurrences[short]:
            if endogenous and lexicon.is_analyte(text, span[0], span[1]):
                replace[span] = []
                continue
            replace[span] = [
                Found(
                    span[0],
                    span[1],
                    f.label,
                    RULE_IDS[f.label] + "-abbreviation",
                    norm=f.norm,
                    concept_id=f.concept_id,
                    data=f.data,
                )
                for f in meaning
            ]
    out = [f for f in found if (f.start, f.end) not in replace]
    # A defined short form must not sit inside a longer match; drop such overlaps too.
    for (start, end), items in replace.items():
        if items and not any(f.start < end and start < f.end for f in out):
            out.extend(items)
    out.sort(key=lambda f: (f.start, f.end, f.label))
    return out


def _standalone(text: str, word: str) -> Iterator[tuple[int, int]]:
    r"""Spans of `word` in `text` with neither a word character nor a hyphen on either side,
    left to right and not overlapping: what re.finditer(r"(?<![\w-])WORD(?![\w-])") finds,
    without compiling a regex per abbreviation per document (\w is isalnum() or "_")."""
    n = len(word)
    if not n:
        return  # a short form is never empty (spaCy spans); nothing to look for
    i = text.find(word)
    while i != -1:
        j = i + n
        before = text[i - 1] if i else " "
        after = text[j] if j < len(text) else " "
        if before.isalnum() or before in "_-" or after.isalnum() or after in "_-":
            i = text.find(word, i + 1)
        else:
            yield i, j
            i = text.find(word, j)


def _long_form_meaning(
    lexicon: Lexicon,
    text: str,
    start: int,
    end: int,
    by_span: Mapping[tuple[int, int], list[Found]],
) -> list[Found]:
    """The matches a long form stands for: the long form itself, or its head when a modifier
    precedes it ("oral corticosteroids (OCS)", "high-dose methotrexate (HD-MTX)")."""
    if (start, end) in by_span:
        return by_span[(start, end)]
    entries = lexicon.lookup(text[start:end])
    if entries:
        return [
            Found(start, end, e.label, RULE_IDS[e.label], e.norm, e.concept_id, e.data)
            for e in entries
        ]
    heads = [
        items
        for (s, e), items in by_span.items()
        # A modifier is a separate word: "saline-isoproterenol (S-I)" is not isoproterenol.
        if e == end and start < s and 2 * (e - s) >= end - start and text[s - 1].isspace()
    ]
    return max(heads, key=lambda items: items[0].end - items[0].start) if heads else []


# ---------------------------------------------------------------------------------------------
# Loading


def lexicon_paths(rules: Path) -> tuple[Path, ...]:
    """Every file the lexicon is built from, in a fixed order (missing optional files skipped)."""
    folder = rules / "lexicons"
    names = [n for files in LEXICON_FILES.values() for n in files]
    names += [DENY_FILE, TARGETS_FILE, ENDOGENOUS_FILE]
    return tuple(folder / n for n in names if (folder / n).is_file())


def load_lexicon(rules: Path) -> Lexicon:
    """Load the lexicon of a rules folder, from the user cache when its files are unchanged."""
    paths = lexicon_paths(rules)
    if not paths:
        raise RuleError(
            f"{rules / 'lexicons'} holds no lexicon files; expected drugs.tsv, conditions.tsv "
            "or their .extra.tsv files (see rules/lexicons/README.md)"
        )
    # The cache is keyed by the lexicon files and by the code this process runs, so that a
    # change of the matching rules never meets an automaton built by older ones.
    digest = hashlib.sha256(_CODE_DIGEST.encode())
    for p in paths:
        digest.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return _load_cached(digest.hexdigest(), paths)


@lru_cache(maxsize=4)
def _load_cached(digest: str, paths: tuple[Path, ...]) -> Lexicon:
    # One cache file per rules folder: a new digest replaces the folder's older file.
    folder = hashlib.sha256(str(paths[0].parent.resolve()).encode()).hexdigest()[:12]
    cache = _cache_dir() / f"lexicon-{folder}-{digest[:24]}.pickle"
    if cache.is_file():
        try:
            with cache.open("rb") as f:
                lexicon = pickle.load(f)
            if isinstance(lexicon, Lexicon):
                return lexicon
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass  # a stale or truncated cache is rebuilt below
    lexicon = build_lexicon(paths)
    _write_cache(cache, lexicon)
    try:
        for old in cache.parent.glob(f"lexicon-{folder}-*.pickle"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # an old cache file that cannot be removed only takes disk space
    return lexicon


def _cache_dir() -> Path:
    base = os.environ.get("CLAIMX_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "claimx" if base else Path.home() / ".cache" / "claimx"


def _write_cache(cache: Path, lexicon: Lexicon) -> None:
    # The cache only saves time: an unwritable cache folder means building again next run.
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("wb") as f:
            pickle.dump(lexicon, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        tmp.unlink(missing_ok=True)


def read_lexicon_rows(
    path: Path,
) -> Iterator[tuple[int, str, str, tuple[str, ...], dict[str, str]]]:
    """Yield (line, id, name, synonyms, data) from a lexicon TSV, validating ids."""
    for n, row in read_tsv(path):
        concept_id = row.get("id", "").strip()
        name = row.get("name", "").strip()
        if not concept_id or not name:
            raise RuleError(f"{path}:{n}: every row needs an id and a name")
        if not _ID.fullmatch(concept_id):
            raise RuleError(
                f"{path}:{n}: id {concept_id!r} has no known scheme; "
                "use DrugBank:DB00000, MESH:D000000, HP:0000000 or CLAIMX:some-name"
            )
        kind = row.get("kind", "").strip()
        if kind and kind not in KINDS:
            raise RuleError(f"{path}:{n}: kind {kind!r} must be empty or one of {', '.join(KINDS)}")
        synonyms = tuple(s.strip() for s in row.get("synonyms", "").split("|") if s.strip())
        data = {k: row.get(k, "").strip() for k in ("kind", "class", "xref")}
        yield n, concept_id, name, synonyms, {k: v for k, v in data.items() if v}


def read_deny(path: Path) -> dict[str, tuple[frozenset[str], str]]:
    """Surface key -> (labels it must never be reported as, the surface as written)."""
    out: dict[str, tuple[frozenset[str], str]] = {}
    for n, row in read_tsv(path):
        surface = row.get("surface", "").strip()
        labels = frozenset(
            x.strip() for x in (row.get("labels", "") or "DRUG,CONDITION").split(",")
        )
        if not surface:
            raise RuleError(f"{path}:{n}: empty surface")
        unknown = labels - set(LEXICON_FILES)
        if unknown:
            raise RuleError(
                f"{path}:{n}: unknown label {sorted(unknown)[0]!r}; use DRUG or CONDITION"
            )
        # A denied word is denied with its plural and hyphen variants ("strain", "strains").
        for key in variants(surface):
            out[key] = (labels, surface)
    return out


def _denied(
    deny: Mapping[str, tuple[frozenset[str], str]], key: str, surface: str, label: str
) -> bool:
    if key not in deny or label not in deny[key][0]:
        return False
    # "aids" denies the word, not the acronym "AIDS", which only ever matches as written.
    return not is_case_sensitive(surface) or surface == deny[key][1]


def read_targets(path: Path) -> dict[str, frozenset[str]]:
    """applies (drug, class, condition, prefix, before) -> words that turn a match into
    something else."""
    out: dict[str, set[str]] = {k: set() for k in TARGET_KINDS}
    for n, row in read_tsv(path):
        word, applies = row.get("word", "").strip(), row.get("applies", "").strip()
        if not word or applies not in out:
            raise RuleError(
                f"{path}:{n}: need a word and applies = one of {', '.join(TARGET_KINDS)}"
            )
        out[applies].add(word)
    return {k: frozenset(v) for k, v in out.items()}


def read_endogenous(path: Path) -> frozenset[str]:
    """The ids of drugs that the body also makes (endogenous.tsv: id, name, reason)."""
    out: set[str] = set()
    for n, row in read_tsv(path):
        concept_id = row.get("id", "").strip()
        if not _ID.fullmatch(concept_id):
            raise RuleError(
                f"{path}:{n}: id {concept_id!r} has no known scheme; "
                "use DrugBank:DB00000, MESH:D000000, HP:0000000 or CLAIMX:some-name"
            )
        out.add(concept_id)
    return frozenset(out)


def build_lexicon(paths: Iterable[Path]) -> Lexicon:
    """Compile lexicon files into a Lexicon (no cache)."""
    import ahocorasick

    paths = tuple(paths)
    by_name = {p.name: p for p in paths}
    deny = read_deny(by_name[DENY_FILE]) if DENY_FILE in by_name else {}
    targets = read_targets(by_name[TARGETS_FILE]) if TARGETS_FILE in by_name else {}
    endogenous = (
        read_endogenous(by_name[ENDOGENOUS_FILE]) if ENDOGENOUS_FILE in by_name else frozenset()
    )

    entries: list[Entry] = []
    entry_index: dict[tuple[str, str], int] = {}
    # key -> label -> [entry index, surfaces that match only as written, any case allowed]
    table: dict[str, dict[str, list[Any]]] = {}
    for label, files in LEXICON_FILES.items():
        for filename in files:
            if filename not in by_name:
                continue
            curated = filename.endswith(".extra.tsv")
            claimed: set[str] = set()
            for _, concept_id, name, synonyms, data in read_lexicon_rows(by_name[filename]):
                ident = (label, concept_id)
                if ident not in entry_index:
                    entry_index[ident] = len(entries)
                    frozen = MappingProxyType(data) if data else _NO_DATA
                    entries.append(Entry(label, concept_id, name, frozen))
                elif curated:
                    # A curated row renames a generated concept and adds to its data.
                    old = entries[entry_index[ident]]
                    merged = {**old.data, **data}
                    entries[entry_index[ident]] = Entry(
                        label, concept_id, name, MappingProxyType(merged) if merged else _NO_DATA
                    )
                e = entry_index[ident]
                # The name is the preferred label; only the synonyms column is matched (the
                # generated files list the name there when no other concept owns it).
                for surface in synonyms:
                    if len(surface) < 2 or surface.isdigit():
                        continue
                    sensitive = is_case_sensitive(surface)
                    for key in variants(surface, sensitive):
                        if not key or (key in deny and _denied(deny, key, surface, label)):
                            continue
                        slot = table.get(key)
                        if slot is None:
                            slot = table[key] = {}
                        if curated and label in slot and key not in claimed:
                            # A curated row overrides what the generated file says.
                            del slot[label]
                        if curated:
                            claimed.add(key)
                        cur = slot.get(label)
                        if cur is None:
                            slot[label] = [e, (surface,) if sensitive else (), not sensitive]
                        elif cur[0] == e:  # else: the first concept keeps an ambiguous surface
                            if sensitive:
                                cur[1] += (surface,)
                            else:
                                cur[2] = True

    block = targets.get("block", frozenset())
    if block:
        # Phrases that are no mention: one entry stands for all; a phrase replaces any concept
        # that has the same key.
        entries.append(Entry(_BLOCK_LABEL, "", "", _NO_DATA))
        for phrase in sorted(block):
            for key in variants(phrase, False):
                table[key] = {_BLOCK_LABEL: [len(entries) - 1, (), True]}

    nominal_keys = {k for w in targets.get("nominal", ()) for k in variants(w, False)}
    head_only_keys = {k for w in targets.get("head-only", ()) for k in variants(w, False)}
    nominal: set[int] = set()
    head_only: set[int] = set()
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    keys: list[_Key] = []
    for key in sorted(table):
        slots = table[key]
        if not slots:
            continue
        any_case = any(v[2] for v in slots.values())
        exact = None if any_case else frozenset(s for v in slots.values() for s in v[1])
        idx = tuple(sorted(v[0] for v in slots.values()))
        if key in nominal_keys:
            nominal.add(len(keys))
        if key in head_only_keys:
            head_only.add(len(keys))
        automaton.add_word(" " + key + " ", len(keys))
        keys.append((len(key), idx, exact, " " in key))
    automaton.make_automaton()
    return Lexicon(
        automaton, keys, entries, targets, endogenous, frozenset(nominal), frozenset(head_only)
    )


# ---------------------------------------------------------------------------------------------
# spaCy component


class LexiconRecognizer:
    """spaCy component: DRUG and CONDITION dictionary matches, plus the abbreviations of them."""

    def __init__(self, name: str, lexicon: Lexicon) -> None:
        register_extensions()
        self.name = name
        self.lexicon = lexicon

    def __call__(self, doc: Any) -> Any:
        found = self.lexicon.find(doc_text(doc))
        pairs = []
        if doc.has_extension("abbreviations") and doc._.abbreviations:
            pairs = [
                (s.start_char, s.end_char, s._.long_form.start_char, s._.long_form.end_char)
                for s in doc._.abbreviations
                if getattr(s._, "long_form", None) is not None
            ]
        if pairs or "(" in doc_text(doc):
            found = apply_abbreviations(self.lexicon, doc_text(doc), found, pairs)
        add_found(doc, found)
        return doc


@Language.factory("claimx_lexicon", default_config={"rules": None})
def make_lexicon_recognizer(nlp: Any, name: str, rules: str | None) -> LexiconRecognizer:
    """Build the claimx_lexicon component (`rules`: a rules folder, else the default one)."""
    return LexiconRecognizer(name, load_lexicon(rules_dir(rules)))
