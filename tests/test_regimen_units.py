"""Dose units: UCUM code, dimension, canonical unit and factor from rules/cues/units.yml."""

from __future__ import annotations

import pytest

from claimx.normalize.units import load_time_units, load_units
from claimx.rules import rules_dir

UNITS = load_units(rules_dir())
TIMES = load_time_units(rules_dir())

PARSED = [
    # id, text, ucum, dimension, canonical, factor to canonical
    ("mg", "mg", "mg", "mass", "mg", 1.0),
    ("gram", "grams", "g", "mass", "mg", 1000.0),
    ("micro-sign", "\u00b5g", "ug", "mass", "mg", 0.001),
    ("greek-mu", "\u03bcg", "ug", "mass", "mg", 0.001),
    ("mcg", "mcg", "ug", "mass", "mg", 0.001),
    ("microg", "microg", "ug", "mass", "mg", 0.001),
    ("mL", "mL", "mL", "volume", "mL", 1.0),
    ("litre", "L", "L", "volume", "mL", 1000.0),
    ("IU", "IU", "[iU]", "international_units", "[iU]", 1.0),
    ("units", "units", "[U]", "units", "[U]", 1.0),
    ("mmol", "mmol", "mmol", "amount", "mmol", 1.0),
    ("mEq", "mEq", "meq", "equivalents", "meq", 1.0),
    ("percent", "%", "%", "percent", "%", 1.0),
    ("tablets", "tablets", "{tbl}", "count", "{count}", 1.0),
    ("per-kg", "mg/kg", "mg/kg", "mass/body_mass", "mg/kg", 1.0),
    ("per-m2", "mg/m2", "mg/m2", "mass/area", "mg/m2", 1.0),
    ("per-m(2)", "g/m(2)", "g/m2", "mass/area", "mg/m2", 1000.0),
    ("per-day", "mg/day", "mg/d", "mass/time", "mg/d", 1.0),
    ("per-day-words", "mg per day", "mg/d", "mass/time", "mg/d", 1.0),
    ("per-24h", "mg/24 h", "mg/d", "mass/time", "mg/d", 1.0),
    ("per-hour", "mg/h", "mg/h", "mass/time", "mg/d", 24.0),
    ("per-kg-per-hour", "mg/kg/h", "mg/kg/h", "mass/body_mass/time", "mg/kg/d", 24.0),
    ("ug-kg-min", "\u00b5g/kg/min", "ug/kg/min", "mass/body_mass/time", "mg/kg/d", 1.44),
    (
        "exponent",
        "mg\u00b7kg\u22121\u00b7d\u22121",
        "mg/kg/d",
        "mass/body_mass/time",
        "mg/kg/d",
        1.0,
    ),
    ("exponent-space", "mg kg-1", "mg/kg", "mass/body_mass", "mg/kg", 1.0),
    ("concentration", "mg/mL", "mg/mL", "mass/volume", "mg/mL", 1.0),
    ("microg-per-l", "microg/l", "ug/L", "mass/volume", "mg/mL", 1e-6),
    ("m2-per-day", "mg/m2/d", "mg/m2/d", "mass/area/time", "mg/m2/d", 1.0),
]


@pytest.mark.parametrize(
    ("text", "ucum", "dimension", "canonical", "factor"),
    [c[1:] for c in PARSED],
    ids=[c[0] for c in PARSED],
)
def test_parse_unit(text: str, ucum: str, dimension: str, canonical: str, factor: float) -> None:
    unit = UNITS.parse(text)
    assert unit is not None
    assert (unit.ucum, unit.dimension, unit.canonical) == (ucum, dimension, canonical)
    assert unit.factor == pytest.approx(factor)


@pytest.mark.parametrize(
    "text",
    ["patients", "years", "u", "mg/xyz", "kg"],
    ids=["word", "time-unit", "lower-case-U", "unknown-denominator", "body-weight"],
)
def test_parse_unit_refuses(text: str) -> None:
    assert UNITS.parse(text) is None


@pytest.mark.parametrize(
    ("text", "lab"),
    [("mg/dL", True), ("mmol/L", True), ("U/L", True), ("mg/mL", False), ("mg/kg", False)],
    ids=["mg/dL", "mmol/L", "U/L", "mg/mL-dose", "mg/kg-dose"],
)
def test_lab_units(text: str, lab: bool) -> None:
    unit = UNITS.parse(text)
    assert unit is not None and UNITS.is_lab(unit) is lab


@pytest.mark.parametrize(
    ("text", "days"),
    [("weeks", 7.0), ("h", 1 / 24), ("minutes", 1 / 1440), ("months", 365.25 / 12), ("yr", 365.25)],
    ids=["weeks", "h", "minutes", "months", "yr"],
)
def test_time_units(text: str, days: float) -> None:
    assert TIMES.days(text) == pytest.approx(days)


# The factors in units.yml agree with a units library (runs where pint is installed).
PINT = [
    # units.yml spelling, the same unit in pint's words, pint's canonical unit
    ("g", "gram", "milligram"),
    ("\u00b5g", "microgram", "milligram"),
    ("ng", "nanogram", "milligram"),
    ("L", "liter", "milliliter"),
    ("\u00b5L", "microliter", "milliliter"),
    ("mol", "mole", "millimole"),
    ("\u00b5mol", "micromole", "millimole"),
    ("mg/h", "milligram/hour", "milligram/day"),
    ("\u00b5g/kg/min", "microgram/kilogram/minute", "milligram/kilogram/day"),
    ("mg/wk", "milligram/week", "milligram/day"),
    ("mg/month", "milligram/month", "milligram/day"),
    ("microg/l", "microgram/liter", "milligram/milliliter"),
    ("g/dL", "gram/deciliter", "milligram/milliliter"),
]


@pytest.fixture(scope="module")
def ureg():  # type: ignore[no-untyped-def]
    pint = pytest.importorskip("pint")
    return pint.UnitRegistry()


@pytest.mark.parametrize(("text", "spelled", "canonical"), PINT, ids=[c[0] for c in PINT])
def test_factors_agree_with_pint(ureg, text: str, spelled: str, canonical: str) -> None:  # type: ignore[no-untyped-def]
    unit = UNITS.parse(text)
    assert unit is not None
    expected = ureg.Quantity(1, spelled).to(canonical).magnitude
    # pint's month is a Julian year / 12, as in units.yml
    assert unit.factor == pytest.approx(expected, rel=1e-6)
