"""Dose and time units: read from rules/cues/units.yml and frequencies.yml, parsed, normalized.

A dose unit is a numerator ("mg") and up to three denominators ("/kg", "/m2", "/day"). Each part
has a UCUM code, a dimension and a factor to the canonical unit of its dimension, so "µg/kg/min"
is UCUM "ug/kg/min", dimension "mass/body_mass/time", canonical "mg/kg/d", factor 1.44.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from claimx.errors import RuleError
from claimx.rules import read_yaml

UNITS_FILE = "cues/units.yml"
FREQUENCIES_FILE = "cues/frequencies.yml"

_EXPONENT = re.compile(r"\(?[-\u2212\u2013]\d\)?$")  # "kg-1", "d−1", "kg(-1)"
_SPACES = re.compile(r"[\s\-\u2010\u2011]+")
# Between a numerator and a denominator: "mg/kg", "mg / kg", "mg per kg", "mg per a day".
_SLASH = r"(?:\s?/\s?|\s+per\s+(?:a\s+)?)"
# Before an exponent denominator: "mg kg-1", "mg·kg−1", "mg.kg-1".
_DOT = r"(?:\s|\s?[\u00b7\u22c5.]\s?)"


def unit_key(text: str) -> str:
    """The lookup key of a unit or cue surface: lower case, spaces and hyphens collapsed."""
    text = text.strip().lower().replace("\u2212", "-").replace("\u2013", "-")
    return _SPACES.sub(" ", text).replace("\u03bc", "\u00b5")


def parse_factor(value: Any, where: str) -> float:
    """A factor written as a number or a fraction string ("1/24", "365.25/12")."""
    if isinstance(value, bool):
        raise RuleError(f"{where}: factor must be a number or 'a/b', not {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        parts = value.split("/")
        try:
            if len(parts) == 1:
                return float(Fraction(parts[0].strip()))
            if len(parts) == 2:
                return float(Fraction(parts[0].strip())) / float(Fraction(parts[1].strip()))
        except (ValueError, ZeroDivisionError):
            pass
    raise RuleError(f"{where}: factor must be a number or 'a/b', not {value!r}")


_SEP = "\x00"  # a space or hyphen inside a surface (matches any run of them)
_MU = "\x01"  # micro sign or Greek mu


_MINUS = "\x02"  # the minus of an exponent ("kg-1", "d−1"): never a space


def _trie_chars(surface: str) -> str:
    surface = surface.strip().lower()
    tail = ""
    m = _EXPONENT.search(surface)
    if m:
        exp = m.group(0)
        surface = surface[: m.start()]
        tail = exp.replace("-", _MINUS).replace("\u2212", _MINUS).replace("\u2013", _MINUS)
    chars = _SPACES.sub(_SEP, surface) + tail
    return chars.replace("\u00b5", _MU).replace("\u03bc", _MU)


_PIECES = MappingProxyType({_SEP: r"[\s\-]+", _MU: "[\u00b5\u03bc]", _MINUS: "[-\u2212\u2013]"})


def _trie_regex(node: dict[str, Any]) -> str:
    """Regex of a character trie: branches keyed by their first character (fast in `re`)."""
    end = "" in node
    branches = []
    for ch in sorted(k for k in node if k):
        piece = _PIECES.get(ch) or re.escape(ch)
        branches.append(piece + _trie_regex(node[ch]))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        return f"(?:{body})?"
    return body


def alternation(items: list[tuple[str, bool]]) -> str:
    """One alternation of surfaces as a lower-case character trie; the longest surface wins.

    The regexes built from it run on the lower-cased text (without re.IGNORECASE, which makes
    `re` try every branch at every position); exact-case surfaces ("U", "IV") are checked
    against the original text by the caller.
    """
    trie: dict[str, Any] = {}
    for surface, _exact in items:
        node = trie
        for ch in _trie_chars(surface):
            node = node.setdefault(ch, {})
        node[""] = {}
    return "(?:" + _trie_regex(trie) + ")"


def lower_same_length(text: str) -> str:
    """`text` in lower case with the same length (so offsets carry over to the original)."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered


@dataclass(frozen=True, slots=True)
class UnitPart:
    """One numerator or denominator unit of the table."""

    key: str
    ucum: str
    dimension: str
    factor: float


@dataclass(frozen=True, slots=True)
class DoseUnit:
    """A parsed dose unit: UCUM code, dimension path, canonical unit and factor to it."""

    text: str
    ucum: str
    dimension: str
    canonical: str
    factor: float

    def to_canonical(self, value: float | None) -> float | None:
        """`value` in this unit expressed in the canonical unit (None stays None)."""
        return None if value is None else value * self.factor

    @property
    def per_time(self) -> bool:
        """True when the last denominator is a time ("mg/day", "µg/kg/min")."""
        return self.dimension.endswith("/time")


class UnitTable:
    """The dose units of rules/cues/units.yml, with regexes and a parser built once."""

    def __init__(self, path: Path) -> None:
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise RuleError(f"{path}: expected a mapping with numerators, denominators, canonical")
        for key in ("canonical", "numerators", "denominators"):
            if not isinstance(data.get(key), dict):
                raise RuleError(f"{path}: '{key}' must be a mapping")
        allowed = {
            "canonical", "numerators", "denominators", "exact_case", "lab_units",
            "percent_followers", "percent_drug_suffixes", "percent_not_followers",
            "not_dose_after",
        }  # fmt: skip
        unknown = set(data) - allowed
        if unknown:
            raise RuleError(f"{path}: unknown keys {sorted(unknown)}; allowed: {sorted(allowed)}")
        self.canonical: Mapping[str, str] = MappingProxyType(dict(data["canonical"]))
        exact = frozenset(data.get("exact_case") or ())
        self.lab_units = frozenset(data.get("lab_units") or ())
        self.percent_followers = frozenset(unit_key(w) for w in data.get("percent_followers") or ())
        self.percent_suffixes = tuple(data.get("percent_drug_suffixes") or ())
        self.percent_not = frozenset(unit_key(w) for w in data.get("percent_not_followers") or ())
        self.not_dose_after = frozenset(unit_key(w) for w in data.get("not_dose_after") or ())
        num, num_items = self._read_parts(path, data["numerators"], exact, "numerators")
        den, den_items = self._read_parts(path, data["denominators"], exact, "denominators")
        self._numerators = num
        self._denominators = den
        slash = [(s, e) for s, e in den_items if not _EXPONENT.search(s)]
        expo = [(s, e) for s, e in den_items if _EXPONENT.search(s)]
        self.numerator_regex = alternation(num_items)
        self.denominator_regex = alternation(slash)
        self.exponent_regex = alternation(expo)
        # No nested unbounded quantifier: at most three denominators.
        self.regex = (
            f"{self.numerator_regex}(?:{_SLASH}{self.denominator_regex}"
            f"|{_DOT}{self.exponent_regex}){{0,3}}"
            r"(?![^\W_]|\s?/\s?[^\W\d_])"
        )
        self._head = re.compile(self.numerator_regex, re.IGNORECASE)
        self._tail = re.compile(
            f"(?:{_SLASH}(?P<d>{self.denominator_regex})|{_DOT}(?P<x>{self.exponent_regex}))",
            re.IGNORECASE,
        )

    def _read_parts(
        self, path: Path, table: dict[str, Any], exact: frozenset[str], section: str
    ) -> tuple[Mapping[str, UnitPart], list[tuple[str, bool]]]:
        parts: dict[str, UnitPart] = {}
        items: list[tuple[str, bool]] = []
        for key, entry in table.items():
            where = f"{path}: {section}.{key}"
            if not isinstance(entry, dict) or not entry.get("surfaces"):
                raise RuleError(f"{where}: needs ucum, dimension, factor and a surfaces list")
            dim = entry.get("dimension")
            if dim not in self.canonical:
                raise RuleError(
                    f"{where}: dimension {dim!r} has no canonical unit; "
                    f"expected one of {', '.join(self.canonical)}"
                )
            factor = parse_factor(entry.get("factor"), where)
            part = UnitPart(str(key), str(entry.get("ucum")), str(dim), factor)
            for surface in entry["surfaces"]:
                surface = str(surface)
                is_exact = surface in exact
                k = surface if is_exact else unit_key(surface)
                if k in parts and parts[k] != part:
                    raise RuleError(f"{where}: surface {surface!r} already means {parts[k].key}")
                parts[k] = part
                items.append((surface, is_exact))
        return MappingProxyType(parts), items

    def _lookup(self, parts: Mapping[str, UnitPart], surface: str) -> UnitPart | None:
        return parts.get(surface) or parts.get(unit_key(surface))

    def parse(self, text: str) -> DoseUnit | None:
        """The dose unit written as `text` ("mg/kg/day", "µg·kg−1·min−1"), or None."""
        m = self._head.match(text)
        if m is None:
            return None
        head = self._lookup(self._numerators, m.group(0))
        if head is None:
            return None
        parts = [head]
        pos = m.end()
        while pos < len(text):
            t = self._tail.match(text, pos)
            if t is None or t.end() == pos:
                return None
            surface = t.group("d") or t.group("x")
            part = self._lookup(self._denominators, surface)
            if part is None:
                return None
            parts.append(part)
            pos = t.end()
        ucum = "/".join(p.ucum for p in parts)
        dimension = "/".join(p.dimension for p in parts)
        canonical = "/".join(self.canonical[p.dimension] for p in parts)
        factor = head.factor
        for p in parts[1:]:
            factor /= p.factor
        return DoseUnit(" ".join(text.split()), ucum, dimension, canonical, factor)

    def is_lab(self, unit: DoseUnit) -> bool:
        """True for laboratory-value units (mg/dL, mmol/L, U/L) that are never doses."""
        return unit.ucum in self.lab_units


class TimeUnits:
    """Time units of rules/cues/frequencies.yml: surface -> days."""

    def __init__(self, path: Path) -> None:
        data = read_yaml(path)
        table = data.get("time_units") if isinstance(data, dict) else None
        if not isinstance(table, dict):
            raise RuleError(f"{path}: 'time_units' must be a mapping of unit -> days, surfaces")
        days: dict[str, float] = {}
        names: dict[str, str] = {}
        items: list[tuple[str, bool]] = []
        for name, entry in table.items():
            where = f"{path}: time_units.{name}"
            if not isinstance(entry, dict) or not entry.get("surfaces"):
                raise RuleError(f"{where}: needs days and a surfaces list")
            value = parse_factor(entry.get("days"), where)
            for surface in entry["surfaces"]:
                k = unit_key(str(surface))
                if k in days:
                    raise RuleError(f"{where}: surface {surface!r} is listed twice")
                days[k] = value
                names[k] = str(name)
                items.append((str(surface), False))
        self._days: Mapping[str, float] = MappingProxyType(days)
        self._names: Mapping[str, str] = MappingProxyType(names)
        self.regex = alternation(items)

    def days(self, surface: str) -> float | None:
        """How many days one `surface` ("weeks", "h") is, or None if unknown."""
        return self._days.get(unit_key(surface))

    def name(self, surface: str) -> str | None:
        """The unit's name ("hour", "week") for a surface, or None."""
        return self._names.get(unit_key(surface))


@lru_cache(maxsize=8)
def load_units(rules: Path) -> UnitTable:
    """The unit table of a rules folder (built once per folder)."""
    return UnitTable(rules / UNITS_FILE)


@lru_cache(maxsize=8)
def load_time_units(rules: Path) -> TimeUnits:
    """The time units of a rules folder (built once per folder)."""
    return TimeUnits(rules / FREQUENCIES_FILE)
