"""Outcome statistics: p values, confidence intervals, effect measures, percentages, counts,
means and medians with their spread, and APA test statistics, parsed into numbers.

The patterns are regular expressions in rules/patterns/statistics.yml and the cue words in
rules/cues/statistics.yml. `StatisticFinder(rules)(text)` returns STATISTIC mentions whose
`data` carries the columns of the statistics table; `statistic_rows` turns them into rows and
runs the consistency checks of `claimx.checks`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from spacy.language import Language

from claimx.compiled import compile_pattern
from claimx.errors import RuleError
from claimx.recognize.base import Found, Mention, TextRecognizer
from claimx.records import StatisticRow
from claimx.rules import read_yaml, rules_dir

LABEL = "STATISTIC"
KINDS = frozenset(
    {
        "p_value",
        "ci",
        "ratio",
        "mean_difference",
        "percent",
        "count",
        "mean_sd",
        "test_statistic",
        "nnt",
    }
)
HANDLERS = frozenset(
    {
        "test",
        "effect",
        "estimate_ci",
        "announced_ci",
        "ci",
        "mean_sd",
        "p_value",
        "count_pair",
        "count",
        "percent",
        "versus",
        "central",
    }
)
PATTERN_KEYS = frozenset({"id", "kind", "handler", "priority", "regex", "anchor"})
OPTIONAL_PATTERN_KEYS = frozenset({"near", "follows", "needs"})
# What may directly follow the first number of a number-anchored pattern.
FOLLOWS = frozenset({"percent", "letter", "open", "slash", "plusminus", "punct", "other"})
ANCHORS = frozenset({"number", "label", "cue"})
CUE_KEYS = frozenset(
    {
        "effect_measures",
        "estimate_kinds",
        "test_types",
        "one_tailed",
        "central_tendency",
        "central_window",
        "number_blockers",
        "range_words",
        "percent_measures",
        "measure_links",
        "group_links",
        "number_words",
        "not_counted",
    }
)
ROW_FIELDS = frozenset(StatisticRow.__dataclass_fields__) - {
    "doc_id",
    "stat_id",
    "sent_id",
    "text",
    "start",
    "end",
    "rule_id",
}
_FRAGMENT_REF = compile_pattern(r"\{([A-Za-z_]\w*)\}")
_SUPERSCRIPTS = MappingProxyType(
    {ord(c): d for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-", strict=True)}
)
_MINUS = MappingProxyType({ord(c): "-" for c in "−–‐—"})
_DEC = compile_pattern(r"[-−–]?\s?(?:\d+(?:[.·]\d+)?|[.·]\d+)")
# The mantissa and exponent of a p value written in scientific notation.
_SCI = compile_pattern(
    r"^(?P<m>(?:\d+(?:[.·]\d+)?|[.·]\d+))?\s?(?:(?:[x×*·]\s?)?10\s?(?:\^|\*\*)?\s?"
    r"(?P<sign>[-−–⁻])?\s?(?P<e>[\d⁰¹²³⁴⁵⁶⁷⁸⁹]{1,3})|[eE](?P<esign>[-−])?(?P<e2>\d{1,3}))$"
)
# Where a sentence ends, for the windows that look for context (not a full splitter).
_NOT_FINAL = compile_pattern(r"(?:\bvs|\bv|\bal|\be\.g|\bi\.e|\bFig|\bNo)\.$")
# Where a clause ends: ";", a new line, or ".", "!" or "?" before a capital or a bracket (not
# after "vs", "v" or "al"). One character class first, so that the regex engine skips straight
# to those characters (lookbehinds first would make it try every position).
_CLAUSE_END = compile_pattern(
    r"[;.!?\n](?:(?<=[;\n])|(?<!\bvs.)(?<!\bv.)(?<!\bal.)(?=\s+[A-Z(\[]))"
)
_DOSE_UNIT_AFTER = compile_pattern(r"\s?(?:mg|mcg|µg|μg|g\b|IU\b|units?\b|mL/kg|mg/kg|mmol\b)")
_SCI_MARK = compile_pattern(r"[eE×x*^⁻]|10\s?[-−–]")
# An estimate is never the number right after a comparator or a p ("P < .001 (95% CI ...").
_AFTER_COMPARATOR = compile_pattern(r"(?:[<>=≤≥]|\b[Pp])\s?$")


@dataclass(frozen=True, slots=True)
class _Pattern:
    id: str
    kind: str
    handler: str
    priority: int
    regex: re.Pattern[str]
    anchor: str
    near_within: int = 0
    near: re.Pattern[str] | None = None
    near_any: tuple[str, ...] = ()
    follows: frozenset[str] = FOLLOWS
    # Label patterns: one of these regexes finds something inside every match.
    needs: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True, slots=True)
class StatRules:
    """The compiled statistics rules (one instance per rules folder)."""

    patterns: tuple[_Pattern, ...]
    effect_measures: Mapping[str, Mapping[str, str]]
    estimate_kinds: tuple[tuple[str, tuple[str, ...]], ...]
    test_types: Mapping[str, str]
    one_tailed: re.Pattern[str]
    central_cue: re.Pattern[str]
    # What follows the first letter of each central-tendency word, lower case: one of them is
    # in the case-folded text wherever central_cue matches.
    central_tails: tuple[str, ...]
    central_window: int
    number_blockers: frozenset[str]
    range_words: frozenset[str]
    not_counted: frozenset[str]
    percent_measure: re.Pattern[str]
    measure_before: re.Pattern[str]
    group_before_paren: re.Pattern[str]
    group_label_before: re.Pattern[str]
    group_link_words: frozenset[str]
    number_words: Mapping[str, int]
    ci_label: re.Pattern[str]
    word_anchor: re.Pattern[str]


def _words_regex(words: Iterable[str]) -> str:
    """An alternation of literal words, longest first, bounded by non-word characters."""
    alts = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w) for w in alts) + ")"


def _expand(regex: str, fragments: Mapping[str, str], where: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fragments:
            raise RuleError(f"{where}: unknown fragment {{{name}}}; define it under fragments")
        return fragments[name]

    return _FRAGMENT_REF.sub(sub, regex)


def _string_list(cues: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = cues.get(key)
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise RuleError(f"{path}: '{key}' must be a list of words")
    return tuple(str(v) for v in value)


@lru_cache(maxsize=8)
def _load_rules(folder: Path) -> StatRules:
    pattern_path = folder / "patterns" / "statistics.yml"
    cue_path = folder / "cues" / "statistics.yml"
    spec = read_yaml(pattern_path)
    cues = read_yaml(cue_path)
    if not isinstance(spec, dict) or not isinstance(spec.get("patterns"), list):
        raise RuleError(f"{pattern_path}: expected 'fragments' and a 'patterns' list")
    if not isinstance(cues, dict):
        raise RuleError(f"{cue_path}: expected a mapping of cue lists")
    unknown = set(cues) - CUE_KEYS
    if unknown:
        raise RuleError(
            f"{cue_path}: unknown key(s) {', '.join(sorted(unknown))}; "
            f"expected {', '.join(sorted(CUE_KEYS))}"
        )
    # Fragments may use earlier fragments; word_fragments likewise.
    fragments: dict[str, str] = {}
    for section in ("word_fragments", "fragments"):
        for name, value in (spec.get(section) or {}).items():
            if not isinstance(value, str):
                raise RuleError(f"{pattern_path}: fragment '{name}' must be a string")
            fragments[name] = _expand(value, fragments, f"{pattern_path}: fragment '{name}'")
    patterns: list[_Pattern] = []
    seen: set[str] = set()
    for n, item in enumerate(spec["patterns"], 1):
        where = f"{pattern_path}: pattern {n}"
        if not isinstance(item, dict):
            raise RuleError(f"{where}: expected a mapping with {', '.join(sorted(PATTERN_KEYS))}")
        extra = set(item) - PATTERN_KEYS - OPTIONAL_PATTERN_KEYS
        missing = PATTERN_KEYS - set(item)
        if extra or missing:
            raise RuleError(
                f"{where}: keys must be exactly {', '.join(sorted(PATTERN_KEYS))} "
                f"(unknown: {sorted(extra)}, missing: {sorted(missing)})"
            )
        if item["id"] in seen:
            raise RuleError(f"{where}: duplicate id '{item['id']}'")
        seen.add(item["id"])
        if item["kind"] not in KINDS:
            raise RuleError(
                f"{where}: unknown kind '{item['kind']}'; expected one of {sorted(KINDS)}"
            )
        if item["handler"] not in HANDLERS:
            raise RuleError(
                f"{where}: unknown handler '{item['handler']}'; expected one of {sorted(HANDLERS)}"
            )
        if item["anchor"] not in ANCHORS:
            raise RuleError(f"{where}: anchor must be one of {sorted(ANCHORS)}")
        if (item["anchor"] == "cue") != (item["handler"] == "central"):
            raise RuleError(f"{where}: the 'central' handler and the 'cue' anchor go together")
        try:
            compiled = compile_pattern(_expand(item["regex"], fragments, where))
        except re.error as e:
            raise RuleError(f"{where} ({item['id']}): bad regex ({e})") from None
        near = item.get("near") or {}
        if near and (
            set(near) != {"within", "any"}
            or not isinstance(near["within"], int)
            or near["within"] <= 0
            or not near["any"]
            or not all(isinstance(x, str) and x for x in near["any"])
        ):
            raise RuleError(f"{where}: near must be {{within: N, any: [strings]}}")
        follows = item.get("follows", sorted(FOLLOWS))
        if not isinstance(follows, list) or not set(follows) <= FOLLOWS:
            raise RuleError(f"{where}: follows must be a list of {', '.join(sorted(FOLLOWS))}")
        if item["anchor"] != "number" and "follows" in item:
            raise RuleError(f"{where}: only number-anchored patterns take 'follows'")
        needs = item.get("needs", [])
        if not isinstance(needs, list) or not all(isinstance(x, str) and x for x in needs):
            raise RuleError(f"{where}: needs must be a list of regular expressions")
        if needs and item["anchor"] != "label":
            raise RuleError(f"{where}: only label-anchored patterns take 'needs'")
        if near and item["anchor"] == "cue":
            raise RuleError(f"{where}: a cue-anchored pattern takes no 'near'")
        try:
            needed = tuple(compile_pattern(x) for x in needs)
        except re.error as e:
            raise RuleError(f"{where} ({item['id']}): bad regex in needs ({e})") from None
        patterns.append(
            _Pattern(
                item["id"],
                item["kind"],
                item["handler"],
                int(item["priority"]),
                compiled,
                item["anchor"],
                int(near.get("within", 0)),
                compile_pattern("|".join(re.escape(x) for x in near["any"])) if near else None,
                tuple(near["any"]) if near else (),
                frozenset(follows),
                needed,
            )
        )

    effects = cues.get("effect_measures") or {}
    for key, value in effects.items():
        if (
            not isinstance(value, dict)
            or value.get("kind") not in KINDS
            or not value.get("measure")
        ):
            raise RuleError(f"{cue_path}: effect_measures.{key} needs a measure and a known kind")
    estimate_kinds = cues.get("estimate_kinds") or {}
    for kind in estimate_kinds:
        if kind not in KINDS:
            raise RuleError(f"{cue_path}: estimate_kinds.{kind} is not a known kind")
    number_words = cues.get("number_words") or {}
    if not all(isinstance(v, int) for v in number_words.values()):
        raise RuleError(f"{cue_path}: number_words values must be integers")
    links = _words_regex(_string_list(cues, "measure_links", cue_path))
    group_links = _words_regex(_string_list(cues, "group_links", cue_path))
    window = cues.get("central_window")
    if not isinstance(window, int) or window <= 0:
        raise RuleError(f"{cue_path}: central_window must be a positive integer")
    word = r"[A-Za-z][\w/+-]{0,40}"
    return StatRules(
        patterns=tuple(patterns),
        effect_measures=MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in effects.items()}
        ),
        estimate_kinds=tuple(
            (kind, tuple(str(w) for w in words)) for kind, words in estimate_kinds.items()
        ),
        test_types=MappingProxyType({str(k): str(v) for k, v in cues["test_types"].items()}),
        one_tailed=compile_pattern(
            r"(?<!\w)" + _words_regex(_string_list(cues, "one_tailed", cue_path)) + r"(?!\w)",
            re.IGNORECASE,
        ),
        central_cue=_first_letter_regex(_string_list(cues, "central_tendency", cue_path)),
        central_tails=_shortest_cover(
            w.lower()[1:] for w in _string_list(cues, "central_tendency", cue_path)
        ),
        central_window=window,
        range_words=frozenset(w.lower() for w in _string_list(cues, "range_words", cue_path)),
        number_blockers=frozenset(
            w.lower() for w in _string_list(cues, "number_blockers", cue_path)
        ),
        not_counted=frozenset(w.lower() for w in _string_list(cues, "not_counted", cue_path)),
        percent_measure=compile_pattern(
            r"\s?" + _words_regex(_string_list(cues, "percent_measures", cue_path)) + r"\b",
            re.IGNORECASE,
        ),
        measure_before=compile_pattern(
            rf"(?P<m>{word}(?:\s{word}){{0,2}})\s{links}\s?$|(?P<m2>{word}(?:\s{word}){{0,2}})\s?[:=]\s?$"
        ),
        group_before_paren=compile_pattern(
            rf"(?<![\w-]){group_links}\s(?:the\s)?(?P<g>[^\s(),;]{{1,40}}(?:\s[^\s(),;]{{1,40}}){{0,2}})\s?[(\[]\s?$",
            re.IGNORECASE,
        ),
        group_link_words=frozenset(w.lower() for w in _string_list(cues, "group_links", cue_path)),
        group_label_before=compile_pattern(
            r"[(;]\s?(?P<g>[^\s(),;=]{1,30}(?:\s[^\s(),;=]{1,30}){0,2})\s?[,;:]\s?$"
        ),
        number_words=MappingProxyType({str(k).lower(): int(v) for k, v in number_words.items()}),
        ci_label=compile_pattern(
            r"(?<![\w])(?:CIs?|C\.I\.|[Cc]onfidence [Ii]ntervals?|[Cc]redible [Ii]ntervals?)"
            r"(?![\w])"
        ),
        word_anchor=_word_anchor(number_words),
    )


def _shortest_cover(strings: Iterable[str]) -> tuple[str, ...]:
    """The strings that contain none of the others ("ean" for "ean" and "eans"): a text
    holds one of `strings` exactly when it holds one of these."""
    unique = set(strings)
    return tuple(sorted(s for s in unique if not any(t != s and t in s for t in unique)))


def _first_letter_regex(words: Iterable[str]) -> re.Pattern[str]:
    """Whole words, case-insensitive, written as first letter + rest so that the regex engine
    skips ahead to those letters."""
    alts = sorted({w.lower() for w in words}, key=len, reverse=True)
    firsts = "".join(sorted({w[0] for w in alts} | {w[0].upper() for w in alts}))
    tails = _caseless_alternation([w[1:] for w in alts])
    return compile_pattern(rf"[{firsts}](?<![\w-][{firsts}]){tails}(?![\w-])")


def _word_anchor(number_words: Mapping[str, Any]) -> re.Pattern[str]:
    """Where a number word may start: one character class first, so that the regex engine
    skips ahead to those letters instead of trying every position."""
    words = sorted({str(w).lower() for w in number_words}, key=len, reverse=True)
    firsts = sorted({w[0] for w in words} | {w[0].upper() for w in words})
    tails = _caseless_alternation([w[1:] for w in words])
    return compile_pattern(rf"[{''.join(firsts)}](?<![\w-][{''.join(firsts)}]){tails}(?![a-z])")


def _caseless_alternation(alts: list[str]) -> str:
    """`(?i:a|b|...)` for the strings `alts`, matching the same text with the same alternative,
    but grouped by first character, each group opened by an explicit character class
    ("[Ee](?i:ighteen|ight)"): the regex engine skips a group whose class fails at once, where
    it would try every case-insensitive alternative in turn."""
    groups: dict[str, list[str]] = {}
    empty = False
    for alt in alts:
        if alt:
            groups.setdefault(alt[0].lower(), []).append(alt[1:])
        else:
            empty = True  # an empty alternative always matches: it comes last, as it sorts
    branches = [
        _caseless_char(first) + "(?i:" + "|".join(re.escape(rest) for rest in rests) + ")"
        for first, rests in groups.items()
    ]
    return "(?:" + "|".join(branches) + ("|" if empty else "") + ")"


def _caseless_char(char: str) -> str:
    """A regex for what a case-insensitive regex matches for `char`: for an ASCII letter a
    class of both cases and of the characters the regex engine folds to it (İ and ı to i)."""
    if not (char.isascii() and char.isalpha()):
        return "(?i:" + re.escape(char) + ")"
    folds = [c for c, letter in _ASCII_FOLDS.items() if letter == char.lower()]
    return "[" + char.lower() + char.upper() + "".join(folds) + "]"


def load_stat_rules(rules: str | Path | None = None) -> StatRules:
    """Read and compile the statistics patterns and cues from the rules folder."""
    return _load_rules(rules_dir(rules).resolve())


# ----------------------------------------------------------------------------- numbers


def decimals(raw: str) -> int:
    """How many digits follow the decimal point in a number as written ("2.20" -> 2)."""
    raw = raw.strip().translate(_MINUS)
    m = _FRACTION.search(raw)
    return len(m.group(1)) if m else 0


def parse_number(raw: str, words: Mapping[str, int] | None = None) -> float | None:
    """A number as written: "13 388", "19,747", "1·1", "−0.3", ".05", "l" (OCR for 1), or
    number words ("One hundred seventy-nine") when `words` maps them to values."""
    if raw.isdecimal():
        return float(raw)  # digits only: nothing below would change them
    text = raw.strip().translate(_MINUS).replace("·", ".")
    text = _THOUSANDS.sub("", text)
    text = _SIGN_SPACE.sub("-", text)
    if text == "l":
        return 1.0
    try:
        return float(text)
    except ValueError:
        pass
    if words is None:
        return None
    total = 0
    current = 0
    for w in _WORD_SPLIT.split(text.lower()):
        if w == "and" or not w:
            continue
        if w not in words:
            return None
        v = words[w]
        if v == 100:
            current = max(current, 1) * 100
        else:
            current += v
    total += current
    return float(total) if total else None


def parse_p(raw: str) -> float | None:
    """A p value as written: ".03", "0.001", "1.2 x 10-4", "1.2 × 10⁻⁴", "1e-5", "10^-4"."""
    text = raw.strip()
    plain = parse_number(text)
    if plain is not None:
        return plain
    m = _SCI.match(text.replace(" ", " "))
    if m is None:
        return None
    mantissa = parse_number(m.group("m")) if m.group("m") else 1.0
    if mantissa is None:
        return None
    if m.group("e") is not None:
        exponent = int(m.group("e").translate(_SUPERSCRIPTS))
        negative = m.group("sign") is not None
    else:
        exponent = int(m.group("e2"))
        negative = m.group("esign") is not None
    value = mantissa * 10 ** (-exponent if negative else exponent)
    if value > 1 and not negative:
        # "P = 1.2 x 10 4" lost its minus sign (PDF extraction): p values are at most 1.
        value = mantissa * 10 ** (-exponent)
    return value


def _p_decimals(raw: str) -> int:
    """Decimal places of a reported p (scientific notation: of the whole value)."""
    text = raw.strip()
    if not _SCI_MARK.search(text):
        return decimals(text)
    value = parse_p(text)
    if not value:
        return 0
    m = _SCI.match(text)
    mant = decimals(m.group("m")) if m and m.group("m") else 0
    exp = 0
    while value * 10**exp < 1 - 1e-12 and exp < 400:
        exp += 1
    return exp + mant


COMPARATORS = MappingProxyType(
    {
        "=": "=",
        "<": "<",
        ">": ">",
        "≤": "<=",
        "≥": ">=",
        "⩽": "<=",
        "⩾": ">=",
        "<=": "<=",
        ">=": ">=",
        "=<": "<=",
        "=>": ">=",
        "of": "=",
        "less than": "<",
        "greater than": ">",
        "was": "=",
        "is": "=",
    }
)


def _comparator(raw: str | None) -> str:
    if raw is None:
        return "="
    text = re.sub(r"\s+", " ", raw.strip().lower())
    text = text.replace("< or =", "<=").replace("> or =", ">=")
    text = text.replace("<or=", "<=").replace(">or=", ">=")
    return COMPARATORS.get(text, text)


# ----------------------------------------------------------------------------- the finder


@dataclass(slots=True)
class _Candidate:
    priority: int
    found: Found


class StatisticFinder:
    """Find STATISTIC mentions in text; one instance compiles the rules once."""

    def __init__(
        self, rules: str | Path | StatRules | None = None, kinds: Iterable[str] | None = None
    ) -> None:
        self.rules = rules if isinstance(rules, StatRules) else load_stat_rules(rules)
        self.kinds = frozenset(kinds) if kinds is not None else KINDS
        if self.kinds - KINDS:
            raise RuleError(
                f"unknown statistic kind(s) {sorted(self.kinds - KINDS)}; expected {sorted(KINDS)}"
            )
        self._handlers: Mapping[str, Callable[[str, _Pattern, re.Match[str]], Iterator[Found]]]
        self._handlers = MappingProxyType(
            {
                "test": self._test,
                "effect": self._effect,
                "estimate_ci": self._estimate_ci,
                "announced_ci": self._announced_ci,
                "ci": self._ci,
                "mean_sd": self._mean_sd,
                "p_value": self._p_value,
                "count_pair": self._count_pair,
                "count": self._count,
                "percent": self._percent,
                "versus": self._versus,
            }
        )
        # The number words that do not start with another one ("four", not "fourteen"): each
        # number word starts with one of them, so where none occurs no number word starts.
        words = {w.lower() for w in self.rules.number_words}
        self._word_prefixes = tuple(
            sorted(w for w in words if not any(w != v and w.startswith(v) for v in words))
        )

    def __call__(self, text: str) -> list[Found]:
        # The whole text, reference lists included: the titles of cited articles report
        # results too ("a report of 18 cases"), and citations (years, volumes, pages, DOIs)
        # match no pattern.
        limit = len(text)
        folded = _case_folded(text)
        starts, classes = self._number_starts(text, folded, limit)
        windows = _windows(_merge_sorted(starts, _ns_positions(text, limit)), limit)
        followed: dict[frozenset[str], list[int]] = {}
        present: dict[str, bool] = {}  # whether a `near` string is anywhere in the text
        occurrences: dict[str, list[int]] = {}  # where a label pattern's `near` string is
        candidates: list[_Candidate] = []
        for pattern in self.rules.patterns:
            handler = self._handlers.get(pattern.handler)
            if pattern.anchor == "number" and handler is not None:
                if pattern.near_any and not _any_present(text, pattern.near_any, present):
                    continue  # no start can have one of its strings near it
                # Tried only where a number starts and the right kind of character follows it
                # (and one of its strings is near): far cheaper than scanning every position.
                match = pattern.regex.match
                within = pattern.near_within
                near = pattern.near.search if pattern.near is not None else None
                if pattern.follows not in followed:
                    followed[pattern.follows] = _starts_followed_by(
                        starts, classes, pattern.follows
                    )
                for start in followed[pattern.follows]:
                    if near is not None and near(text, start, start + within) is None:
                        continue
                    m = match(text, start, limit)
                    if m is not None:
                        candidates.extend(
                            _Candidate(pattern.priority, f) for f in handler(text, pattern, m)
                        )
            elif pattern.anchor == "label" and handler is not None:
                # A label precedes its number closely: searched for only in windows that
                # end just after a number.
                for m in _label_matches(text, pattern, windows, occurrences):
                    candidates.extend(
                        _Candidate(pattern.priority, f) for f in handler(text, pattern, m)
                    )
            else:
                candidates.extend(
                    _Candidate(pattern.priority, f)
                    for f in self._central(text, folded, pattern, windows)
                )
        kept = _link_p_values(text, _resolve(candidates))
        if self.kinds is KINDS:
            return kept
        return [f for f in kept if f.data.get("kind") in self.kinds]

    def _number_starts(self, text: str, folded: str, limit: int) -> tuple[list[int], list[str]]:
        """Positions where a number may start (its sign or leading point included, not inside
        a word or another number) and where number words start, in text order; and the
        `follows` class of the character after each number ("any" after a number word)."""
        regex = _NUMBER_START_ASCII if text.isascii() else _NUMBER_START
        digits = [(m.start(), m.group(1)) for m in regex.finditer(text, 0, limit)]
        words = self._word_starts(text, folded, limit)
        if words:
            # A number word starts at a letter, a number never: no position is in both.
            digits = sorted(digits + [(w, "") for w in words])
            word_set = frozenset(words)
            classes = ["any" if s in word_set else _follower_class(c) for s, c in digits]
        else:
            classes = [_follower_class(c) for _, c in digits]
        return [s for s, _ in digits], classes

    def _word_starts(self, text: str, folded: str, limit: int) -> list[int]:
        """Where the number-word regex matches: it is tried only where the case-folded text
        (same offsets: see _case_folded) has a number word, which every match of it has,
        instead of at each of the many letters that a number word may start with."""
        candidates: list[int] = []
        for prefix in self._word_prefixes:
            pos = folded.find(prefix, 0, limit)
            while pos >= 0:
                candidates.append(pos)
                pos = folded.find(prefix, pos + 1, limit)
        if not candidates:
            return candidates
        match = self.rules.word_anchor.match
        # Matches cannot overlap (each starts a word and lies inside it), so trying each
        # candidate alone finds what finditer finds.
        return [c for c in sorted(set(candidates)) if match(text, c, limit) is not None]

    # -- context helpers

    def _blocked(self, text: str, start: int, bare: bool = True) -> bool:
        """True when the word before `start` makes the number an identifier ("grade 3") or,
        for a `bare` number (no noun of its own), a range end or a time ("from 3 to 6")."""
        # The last run of non-space characters in the 30 before `start` (what the regex
        # (\S+)\s*$ finds there; str.split and \s agree on what white space is).
        before = text[max(0, start - 30) : start].rsplit(None, 1)
        if not before:
            return False
        word = before[-1].lower()
        if word.endswith(":"):
            return False  # "study: 31 had acupuncture" - a label, then the number
        if word in self.rules.number_blockers:
            return True
        return bare and word in self.rules.range_words

    def _not_estimate(self, text: str, start: int) -> bool:
        """True when the number at `start` is a p value or an identifier, not an estimate."""
        before = text[max(0, start - 12) : start]
        return bool(_AFTER_COMPARATOR.search(before)) or self._blocked(text, start)

    def _group_before(self, text: str, start: int) -> str | None:
        """The arm a value belongs to: 'in the methadone cohort (92%)', '(GET, n = 124'."""
        j = start - 1
        while j >= 0 and text[j] == " ":
            j -= 1
        if j < 0 or text[j] not in "([,;:":
            return None
        window = text[max(0, start - 80) : start]
        m = self.rules.group_before_paren.search(window) if text[j] in "([" else None
        if m:
            # The words after the last link word: "than in the ketamine (" -> "ketamine".
            words = m.group("g").split()
            for i in range(len(words) - 1, -1, -1):
                if words[i].lower() in self.rules.group_link_words:
                    words = words[i + 1 :]
                    break
            while words and words[0].lower() in ("the", "a", "an"):
                words = words[1:]
            if not words or words[0][0].isdigit():
                return None
            return " ".join(words)
        m = self.rules.group_label_before.search(window)
        return m.group("g") if m else None

    def _measure_around(self, text: str, start: int, end: int) -> str | None:
        """What a percentage measures: the words after it ('40% reduction') or the phrase
        before a linking verb ('response rate was 23%')."""
        after = self.rules.percent_measure.match(text, end, min(len(text), end + 40))
        if after:
            return after.group(0).strip()
        window = text[max(0, start - 50) : start]
        if not _LINK_END.search(window, max(0, len(window) - 12)):
            return None
        m = self.rules.measure_before.search(window)
        if m:
            phrase = m.group("m") or m.group("m2")
            return re.sub(r"^(?:the|a|an|and|or|of)\s", "", phrase, flags=re.IGNORECASE)
        return None

    def _sentence_start(self, text: str, pos: int, reach: int = 400) -> int:
        """Roughly where the sentence holding `pos` starts (at most `reach` characters back):
        after the last ". " (not "vs. ", "al. ", "e.g. "), "? ", "! " or blank line."""
        lo = max(0, pos - reach)
        best = lo
        for end in (". ", "? ", "! ", "\n\n"):
            i = text.rfind(end, lo, pos)
            while i > lo and end == ". " and _NOT_FINAL.search(text, max(lo, i - 5), i + 1):
                i = text.rfind(end, lo, i)
            if i >= 0 and i + len(end) > best:
                best = i + len(end)
        return best

    def _kind_before(self, text: str, start: int, default: str) -> str:
        window = text[self._sentence_start(text, start, 120) : start].lower()
        best, best_pos = default, -1
        for kind, words in self.rules.estimate_kinds:
            for w in words:
                pos = window.rfind(w.lower())
                if pos > best_pos:
                    best, best_pos = kind, pos
        return best

    def _found(
        self, pattern: _Pattern, start: int, end: int, kind: str | None = None, **data: Any
    ) -> Found:
        data["kind"] = kind or pattern.kind
        return Found(start, end, LABEL, pattern.id, data=MappingProxyType(data))

    def _number(self, raw: str | None) -> float | None:
        return None if raw is None else parse_number(raw, self.rules.number_words)

    # -- handlers: each turns one regex match into zero or more mentions

    def _test(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        key = re.sub(r"[\s_-]", "", m.group("type")).lower()
        test_type = self.rules.test_types.get(key) or self.rules.test_types.get(m.group("type"))
        if test_type is None:
            return
        df1 = self._number(m.group("df1"))
        df2 = self._number(m.group("df2"))
        value = self._number(m.group("val"))
        if value is None:
            return
        # Degrees of freedom as each test needs them; a z has none (statcheck: "z(28)" is no z).
        if test_type == "z":
            if df1 is not None:
                return
        elif test_type == "F":
            if df1 is None or df2 is None:
                return
        elif df1 is None or df2 is not None:
            return
        if test_type == "r" and abs(value) > 1:
            return
        if df1 is not None and m.group("paren") is None and test_type not in ("t", "F"):
            return  # "r2 = .45" is an R squared; only t28 and F1,28 go without brackets
        if m.group("ns"):
            p_comp, p_rep, p_dec = "ns", None, None
        else:
            p_comp = _comparator(m.group("pcomp"))
            p_rep = parse_p(m.group("pval"))
            if p_rep is None or not 0 <= p_rep <= 1:
                return
            p_dec = _p_decimals(m.group("pval"))
        nobs = self._number(m.group("nobs"))
        yield self._found(
            p,
            m.start(),
            m.end(),
            test_type=test_type,
            df1=df1,
            df2=df2,
            comparator=_comparator(m.group("comp")),
            value=value,
            value_decimals=decimals(m.group("val")),
            p_comparator=p_comp,
            p_reported=p_rep,
            p_decimals=p_dec,
            n_obs=nobs,
            one_tailed_txt=bool(m.group("tail")),
        )

    def _ci_data(self, m: re.Match[str]) -> dict[str, Any]:
        low, high = self._number(m.group("low")), self._number(m.group("high"))
        level = self._number(m.groupdict().get("level"))
        return {
            "ci_low": low,
            "ci_high": high,
            "ci_level": level / 100 if level is not None else None,
        }

    def _ci_ok(self, data: Mapping[str, Any]) -> bool:
        low, high = data.get("ci_low"), data.get("ci_high")
        return low is not None and high is not None and low <= high

    def _effect(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        surface = m.group("measure")
        spec = self.rules.effect_measures.get(surface) or self.rules.effect_measures.get(
            re.sub(r"^(?:adjusted|pooled|crude)\s", "", surface.lower())
        )
        if spec is None:
            return
        value = self._number(m.group("val"))
        if value is None:
            return
        kind = spec["kind"]
        if kind == "ratio" and (value < 0 or (value >= 1000 and value.is_integer())):
            return
        measure = spec["measure"]
        adjective = surface.split()[0].lower() if " " in surface else ""
        if adjective in ("adjusted", "pooled", "crude") and not measure.startswith(adjective):
            measure = f"{adjective} {measure}"
        data: dict[str, Any] = {"measure": measure, "value": value, "comparator": "="}
        end = m.end("val")
        if m.group("low") is not None:
            ci = self._ci_data(m)
            if self._ci_ok(ci):
                data.update(ci)
                end = m.end()
        yield self._found(p, m.start(), end, kind=kind, **data)

    def _estimate_ci(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        value = self._number(m.group("val"))
        ci = self._ci_data(m)
        if value is None or not self._ci_ok(ci) or self._not_estimate(text, m.start()):
            return
        if m.group("pct"):
            kind = "percent"
        else:
            kind = self._kind_before(text, m.start(), "ci")
        measure = self._measure_around(text, m.start(), m.end("val"))
        yield self._found(
            p,
            m.start(),
            m.end(),
            kind=kind,
            value=value,
            comparator="=",
            measure=measure,
            group=self._group_before(text, m.start()),
            **ci,
        )

    def _announced_ci(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        # A bare "(0.44 to 8.13)" is a CI only when the sentence has said so ("(95% CIs)").
        start = self._sentence_start(text, m.start())
        label = None
        for found_label in self.rules.ci_label.finditer(text, start, m.start()):
            label = found_label
        if label is None:
            return
        level = re.search(
            r"(\d{2}(?:\.\d)?)\s?%\s?$", text[max(0, label.start() - 8) : label.start()]
        )
        value = self._number(m.group("val"))
        ci = self._ci_data(m)
        if level:
            ci["ci_level"] = float(level.group(1)) / 100
        if value is None or not self._ci_ok(ci) or self._not_estimate(text, m.start()):
            return
        kind = "percent" if m.group("pct") else self._kind_before(text, m.start(), "ci")
        yield self._found(p, m.start(), m.end(), kind=kind, value=value, comparator="=", **ci)

    def _ci(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        ci = self._ci_data(m)
        if self._ci_ok(ci):
            yield self._found(p, m.start(), m.end(), value=None, comparator=None, **ci)

    def _mean_sd(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        groups = m.groupdict()
        value = self._number(groups.get("val"))
        if value is None:
            return
        data: dict[str, Any] = {"value": value, "comparator": "=", "unit": groups.get("vunit")}
        if groups.get("sd") is not None:
            data["sd"] = self._number(groups["sd"])
        if groups.get("spread_low") is not None:
            data["spread_kind"] = groups["spread_kind"]
            data["spread_low"] = self._number(groups["spread_low"])
            data["spread_high"] = self._number(groups["spread_high"])
        cue = self.rules.central_cue.search(text, max(0, m.start() - 60), m.start())
        if groups.get("measure"):
            data["measure"] = {"m": "mean", "mdn": "median"}.get(
                groups["measure"].lower(), groups["measure"].lower()
            )
        elif cue:
            data["measure"] = cue.group(0).lower()
        elif groups.get("spread_kind"):
            data["measure"] = "median"
        elif "sd" in data:
            data["measure"] = "mean"
        data["group"] = self._group_before(text, m.start())
        yield self._found(p, m.start(), m.end(), **data)

    def _p_value(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        start, end = (m.start("span"), m.end("span")) if "span" in m.groupdict() else m.span()
        raw = m.group("val")
        if raw.upper().replace(".", "") == "NS":
            yield self._found(p, start, end, comparator="ns", value=None, p_comparator="ns")
            return
        value = parse_p(raw)
        if value is None or not 0 <= value <= 1:
            return
        comp = _comparator(m.groupdict().get("comp"))
        tail = m.groupdict().get("tail") or ""
        yield self._found(
            p,
            start,
            end,
            comparator=comp,
            value=value,
            p_comparator=comp,
            p_reported=value,
            p_decimals=_p_decimals(raw),
            one_tailed_txt=bool(self.rules.one_tailed.search(tail)),
        )

    def _pct_span(self, text: str, m: re.Match[str]) -> tuple[int, int]:
        end = m.end("pct")
        while end < len(text) and text[end] in " %":
            if text[end] == "%":
                return m.start("pct"), end + 1
            end += 1
        return m.start("pct"), m.end("pct")

    def _count_pair(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        groups = m.groupdict()
        k = self._number(groups.get("k"))
        n = self._number(groups.get("n"))
        pct = self._number(groups.get("pct"))
        if k is None or (n is not None and (n <= 0 or k > n)):
            return
        if n is not None and groups.get("k", "").isdigit() and groups["n"].isdigit():
            # "2003/2004" is a span of years, not a fraction.
            if 1900 <= k <= 2100 and 1900 <= n <= 2100:
                return
        group = self._group_before(text, m.start())
        noun = groups.get("noun1")
        if self._blocked(text, m.start("k"), bare=not groups.get("noun1")):
            k = None
        else:
            yield self._found(
                p,
                m.start("k"),
                m.end("k"),
                kind="count",
                value=k,
                comparator="=",
                measure=noun,
                group=group,
                denominator=n,
            )
        if n is not None:
            yield self._found(
                p,
                m.start("n"),
                m.end("n"),
                kind="count",
                value=n,
                comparator="=",
                measure=noun,
                group=group,
            )
        if pct is not None and 0 <= pct <= 100:
            s, e = self._pct_span(text, m)
            n = n if k is not None else None
            yield self._found(
                p,
                s,
                e,
                kind="percent",
                value=pct,
                comparator="=",
                group=group,
                measure=self._measure_around(text, s, e),
                numerator=k,
                denominator=n,
                pct_decimals=decimals(groups["pct"]),
            )

    def _count(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        groups = m.groupdict()
        value = self._number(groups.get("val"))
        if value is None or value <= 0 or not value.is_integer():
            return
        has_noun = bool(groups.get("noun") or groups.get("verb") or groups.get("group"))
        if self._blocked(text, m.start("val"), bare=not has_noun):
            return
        label = groups.get("nlabel")
        if label is not None and label not in ("n", "N") and len(label) < 3:
            return  # "a = 5", "G = 2": a variable, not a sample size
        if groups.get("measure") not in (None, "M", "Mdn", "Mean", "mean"):
            return
        group = groups.get("group")
        words = f"{groups.get('noun') or ''} {group or ''}".lower().split()
        if any(w.strip(",;") in self.rules.not_counted for w in words):
            return
        if groups.get("each"):
            group = "each"
        elif group is None:
            group = self._group_before(text, m.start())
        end = m.end("val") if groups.get("group") else m.end()
        yield self._found(
            p, m.start(), end, value=value, comparator="=", measure=groups.get("noun"), group=group
        )

    def _percent(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        value = self._number(m.group("val"))
        if value is None:
            return
        yield self._found(
            p,
            m.start(),
            m.end(),
            value=value,
            comparator="=",
            measure=self._measure_around(text, m.start(), m.end()),
            group=self._group_before(text, m.start()),
        )

    def _versus(self, text: str, p: _Pattern, m: re.Match[str]) -> Iterator[Found]:
        if self._blocked(text, m.start("a")):
            return
        for side in ("a", "b"):
            raw = m.group(side)
            value = self._number(raw)
            unit = m.group(f"{side}unit")
            if value is None or (unit is None and _YEAR.fullmatch(raw.strip())):
                return
        cue = self.rules.central_cue.search(text, self._sentence_start(text, m.start()), m.start())
        for side in ("a", "b"):
            unit = m.group(f"{side}unit") or m.group("bunit")
            end = m.end(f"{side}unit") if m.group(f"{side}unit") else m.end(side)
            yield self._found(
                p,
                m.start(side),
                end,
                kind="percent" if unit == "%" else "mean_sd",
                value=self._number(m.group(side)),
                comparator="=",
                unit=unit,
                measure=cue.group(0).lower() if cue else None,
            )

    def _central(
        self, text: str, folded: str, p: _Pattern, windows: list[tuple[int, int]]
    ) -> Iterator[Found]:
        """Numbers in the clause after 'mean'/'median' are means or medians (`folded`: the
        text case-folded by _case_folded)."""
        if not any(tail in folded for tail in self.rules.central_tails):
            return  # no cue word (its first letter aside) anywhere in the text
        limit = windows[-1][1] if windows else 0
        cues = (c for lo, hi in windows for c in self.rules.central_cue.finditer(text, lo, hi))
        for cue in cues:
            stop = min(limit, cue.end() + self.rules.central_window)
            end = _CLAUSE_END.search(text, cue.end(), stop)
            if end is not None:
                stop = end.start()
            measure = re.sub(r"[\s,:]+$", "", text[cue.start() : cue.end() + 30].split("(")[0])
            measure = " ".join(measure.split()[:3]).rstrip(",;:")
            for m in p.regex.finditer(text, cue.end(), stop):
                raw = m.group("val")
                if m.group("vunit") is None and _YEAR.fullmatch(raw.strip()):
                    continue
                if _DOSE_UNIT_AFTER.match(text, m.end()) or self._blocked(text, m.start()):
                    continue
                value = self._number(raw)
                if value is None:
                    continue
                yield self._found(
                    p,
                    m.start(),
                    m.end(),
                    value=value,
                    comparator="=",
                    unit=m.group("vunit"),
                    measure=re.sub(r"(?<!\s)\s+(?:was|of)$", "", measure),
                )


# The start of a number: a sign, a point or a digit not glued to a word or another number
# ("1.23" starts once, "3-5" twice, "−0.3" at its sign). One character class first, so that
# the regex engine skips straight to those characters. The lookahead reads the rest of the
# number (its thousands groups and decimals) and captures the first character after it, for
# the patterns' `follows`; being a lookahead, it consumes nothing, so the starts inside a
# number ("5" in "3-5") are still found.
def _number_start_regex(digit: str) -> re.Pattern[str]:
    return compile_pattern(
        rf"[-−–‐+.·{digit}](?<![\w.·,][-−–‐+.·\d])"
        r"(?:(?<=\d)|(?<=[.·])\d|(?<=[-−–‐])\s?[.·]?\d|(?<=\+)\d)"
        r"(?=\d*(?:[.,·\u2009\u00a0 ]\d+){0,3}\s?(.?))"
    )


_NUMBER_START = _number_start_regex(r"\d")
# For a text of ASCII characters only: the same matches (\d is [0-9] there), found about a
# third faster, as the regex engine tests [0-9] more cheaply than the Unicode category \d.
_NUMBER_START_ASCII = _number_start_regex("0-9")
_FOLLOWER_CLASS = MappingProxyType(
    {
        "%": "percent",
        "(": "open",
        "[": "open",
        "/": "slash",
        "±": "plusminus",
        "+": "plusminus",
        ",": "punct",
        ";": "punct",
        ":": "punct",
    }
)
_THOUSANDS = compile_pattern(r"(?<=\d)[ \u2009\u00a0,](?=\d{3}(?!\d))")
_SIGN_SPACE = compile_pattern(r"^-\s+")
_WORD_SPLIT = compile_pattern(r"[\s-]+")
_FRACTION = compile_pattern(r"[.·](\d+)")
_YEAR = compile_pattern(r"(?:19|20)\d\d")
# A quick test before the measure regex: the text before a percentage ends in a link.
_LINK_END = compile_pattern(r"(?:\b(?:was|were|is|are|of|reached|achieved|in)|[:=])\s?$")
# How far before a number its label may start ("hazard ratio [HR] for death, 0.75"), and after.
_WINDOW_BEFORE = 140
_WINDOW_AFTER = 12


# The non-ASCII characters that a case-insensitive regex matches to an ASCII letter (İ and ı
# to i, ſ to s, the Kelvin sign to k): str.lower() leaves ı and ſ as they are and turns İ into
# two characters, so they are mapped first.
_ASCII_FOLDS = MappingProxyType({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _case_folded(text: str) -> str:
    """`text` in lower case, with every character that a case-insensitive regex takes for an
    ASCII letter turned into that letter: an ASCII word that a case-insensitive regex finds
    in `text` is in the result, at the same offset (İ, the one character that str.lower()
    turns into two, is replaced first)."""
    if not text.isascii():
        for char, letter in _ASCII_FOLDS.items():
            if char in text:  # rare: replacing is cheaper than translating every text
                text = text.replace(char, letter)
    return text.lower()


def _any_present(text: str, needles: tuple[str, ...], present: dict[str, bool]) -> bool:
    """Whether one of `needles` occurs in `text` (each looked up once per text in `present`)."""
    for needle in needles:
        found = present.get(needle)
        if found is None:
            found = present[needle] = needle in text
        if found:
            return True
    return False


def _follower_class(char: str) -> str:
    """The `follows` class of the character after a number ("" at the end of the text)."""
    return "letter" if char.isalpha() else _FOLLOWER_CLASS.get(char, "other")


def _starts_followed_by(
    starts: list[int], classes: list[str], follows: frozenset[str]
) -> list[int]:
    """The number starts whose next character is of one of the `follows` classes (number
    words always qualify), in text order."""
    return [s for s, c in zip(starts, classes, strict=True) if c in follows or c == "any"]


def _ns_positions(text: str, limit: int) -> list[int]:
    """Where "NS" or "n.s." stands (a p value without a number)."""
    out: list[int] = []
    for needle in ("NS", "n.s."):
        pos = text.find(needle, 0, limit)
        while pos >= 0:
            out.append(pos)
            pos = text.find(needle, pos + 1, limit)
    return out


def _label_matches(
    text: str,
    pattern: _Pattern,
    windows: list[tuple[int, int]],
    occurrences: dict[str, list[int]] | None = None,
) -> Iterator[re.Match[str]]:
    """The matches of a label pattern in the windows: what `finditer` over each window finds,
    found with less scanning where the pattern's rules allow it."""
    if pattern.near_any:
        known = {} if occurrences is None else occurrences
        yield from _near_label_matches(text, pattern, windows, known)
        return
    for lo, hi in windows:
        # `needs`: a window in which none of them finds anything holds no match (each finds
        # something inside every match, and sees the same window edges as the pattern).
        if pattern.needs and not any(n.search(text, lo, hi) for n in pattern.needs):
            continue
        yield from pattern.regex.finditer(text, lo, hi)


def _near_label_matches(
    text: str,
    pattern: _Pattern,
    windows: list[tuple[int, int]],
    occurrences: dict[str, list[int]],
) -> Iterator[re.Match[str]]:
    """`finditer` over each window for a label pattern whose every match has one of its `near`
    strings within its first `near.within` characters: the pattern is tried only at the
    positions where that holds (from each occurrence of a string, back to `within` - its
    length characters before it), in text order, skipping what a match has consumed."""
    within = pattern.near_within
    spans = sorted(
        (q + len(needle) - within, q)
        for needle in pattern.near_any
        for q in _find_all(text, needle, occurrences)
    )
    if not spans:
        return
    merged = [list(spans[0])]
    for a, b in spans[1:]:
        if a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    match = pattern.regex.match
    for lo, hi in windows:
        pos = lo
        for a, b in merged:
            if b < pos or a >= hi:
                continue
            for start in range(max(a, pos), min(b + 1, hi)):
                if start < pos:
                    continue  # inside the last match: finditer goes on after it
                m = match(text, start, hi)
                if m is not None:
                    yield m
                    pos = m.end()


def _find_all(text: str, needle: str, known: dict[str, list[int]]) -> list[int]:
    """Every position where `needle` occurs in `text`, overlapping occurrences included
    (looked up once per text: `known` keeps them)."""
    if needle in known:
        return known[needle]
    out: list[int] = []
    known[needle] = out
    pos = text.find(needle)
    while pos >= 0:
        out.append(pos)
        pos = text.find(needle, pos + 1)
    return out


def _merge_sorted(a: list[int], b: list[int]) -> list[int]:
    return a if not b else sorted(a + b)


def _windows(starts: list[int], limit: int) -> list[tuple[int, int]]:
    """Merged text windows around numbers, where labelled statistics are searched for."""
    out: list[tuple[int, int]] = []
    for s in starts:
        lo, hi = max(0, s - _WINDOW_BEFORE), min(limit, s + _WINDOW_AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _resolve(candidates: list[_Candidate]) -> list[Found]:
    """Keep the strongest of overlapping candidates: lower priority number, then longer,
    then earlier."""
    ordered = sorted(
        candidates, key=lambda c: (c.priority, -(c.found.end - c.found.start), c.found.start)
    )
    starts: list[int] = []
    spans: list[tuple[int, int]] = []
    kept: list[Found] = []
    for c in ordered:
        f = c.found
        if f.end <= f.start:
            continue
        i = bisect.bisect_left(starts, f.start)
        # Sorted, non-overlapping spans: only the neighbours can overlap.
        if i > 0 and spans[i - 1][1] > f.start:
            continue
        if i < len(spans) and spans[i][0] < f.end:
            continue
        starts.insert(i, f.start)
        spans.insert(i, (f.start, f.end))
        kept.append(f)
    return sorted(kept, key=lambda f: (f.start, f.end))


_LINKS_P = frozenset({"ratio", "mean_difference", "ci", "percent", "mean_sd"})


def _link_p_values(text: str, found: list[Found]) -> list[Found]:
    """Link neighbours that qualify each other, for the checks:
    - the p value that closes an estimate's clause goes onto the estimate with a CI
      ('hazard ratio, 1.18; 95% CI, 0.98 to 1.44; P =.088'): CI versus p;
    - the arm size that follows a percentage becomes its denominator
      ('62.3% in the GET arm (n = 114)'): can 62.3% be a whole number of 114 patients?"""
    out = list(found)
    for i, f in enumerate(found):
        nxt = found[i + 1] if i + 1 < len(found) else None
        if nxt is None:
            continue
        kind = f.data.get("kind")
        gap = text[f.end : nxt.start]
        extra: dict[str, Any] = {}
        if (
            kind in _LINKS_P
            and f.data.get("ci_low") is not None
            and nxt.data.get("kind") == "p_value"
            and nxt.data.get("p_reported") is not None
            and len(gap) <= 12
            and not _GAP_BREAK.search(gap)
        ):
            extra = {
                "p_comparator": nxt.data["p_comparator"],
                "p_reported": nxt.data["p_reported"],
                "p_decimals": nxt.data.get("p_decimals"),
            }
        elif (
            kind == "percent"
            and f.data.get("denominator") is None
            and nxt.rule_id == "stat-n-equals"
            and len(gap) <= 40
            and not _GAP_BREAK.search(gap)
            and ";" not in gap
        ):
            extra = {"denominator": nxt.data.get("value"), "pct_decimals": _pct_decimals(text, f)}
        if extra:
            data = dict(f.data)
            data.update(extra)
            out[i] = Found(
                f.start, f.end, f.label, f.rule_id, f.norm, f.concept_id, MappingProxyType(data)
            )
    return out


_GAP_BREAK = compile_pattern(r"[.!?]\s|\d")


def _pct_decimals(text: str, f: Found) -> int:
    """Decimal places of a percentage as written ("62.3%" -> 1)."""
    return decimals(text[f.start : f.end])


def find_statistics(text: str, rules: str | Path | None = None) -> list[Found]:
    """STATISTIC mentions in `text` (compiles the rules on first use per rules folder)."""
    return StatisticFinder(rules)(text)


# ----------------------------------------------------------------------------- rows


# The row columns without a default in StatisticRow, for mentions whose data lack them.
_ROW_DEFAULTS = MappingProxyType(
    {
        "comparator": None,
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "ci_level": None,
        "kind": "ci",
    }
)
# StatisticRow's columns from `comparator` to `decision_error`, in order: rows are built
# positionally (several times faster than from 30 keyword arguments). Each is None where a
# mention's data and the checks say nothing.
_ROW_MIDDLE = tuple(
    name
    for name in StatisticRow.__dataclass_fields__
    if name not in ("doc_id", "stat_id", "sent_id", "kind", "text", "start", "end")
    and name not in ("flags", "rule_id")
)


def _text_order(mention: Mention) -> tuple[int, int]:
    return mention.found.start, mention.found.end


def statistic_rows(
    doc_id: str,
    text: str,
    mentions: list[Mention],
    options: Any | None = None,
) -> list[StatisticRow]:
    """Turn STATISTIC mentions into statistics rows (stat_id s1, s2, ... in text order),
    with the consistency checks of claimx.checks in p_computed, error, decision_error, flags."""
    from claimx.checks import CheckOptions, check_statistic, has_checks

    opts = options if options is not None else CheckOptions()
    rows: list[StatisticRow] = []
    stats = [m for m in mentions if m.found.label == LABEL]
    stats.sort(key=_text_order)
    for n, mention in enumerate(stats, 1):
        f = mention.found
        data = f.data
        values: dict[str, Any] = _ROW_DEFAULTS.copy()
        values.update(data)
        if has_checks(data):
            # The checks' columns (p_computed, error, decision_error, flags) over the mention's.
            values.update(check_statistic(data, text, opts))
        columns: list[Any] = [
            doc_id,
            f"s{n}",
            mention.sent_id,
            values["kind"],
            text[f.start : f.end],
            f.start,
            f.end,
            *map(values.get, _ROW_MIDDLE),
            tuple(values.get("flags") or ()),
            f.rule_id,
        ]
        rows.append(StatisticRow(*columns))
    return rows


# ----------------------------------------------------------------------------- spaCy


@Language.factory("claimx_statistics", default_config={"rules": None})
def make_stat_recognizer(nlp: Any, name: str, rules: str | None) -> TextRecognizer:
    """The claimx_statistics component: STATISTIC mentions into doc._.claimx_found."""
    return TextRecognizer(name, StatisticFinder(rules))
