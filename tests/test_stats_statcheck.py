"""statcheck's own test strings (tests/data/statcheck.dev.jsonl, a copy of
../shared/eval/statcheck.dev.jsonl) run through the finder and the checks.

Each case names the APA results statcheck must find in its text(s) and what it must say about
them. The suite asserts a committed agreement floor over all cases, and that no negative case
("see p. 01", "z(28) = ...") yields anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claimx.checks import CheckOptions
from claimx.recognize.base import Mention
from claimx.recognize.stats import StatisticFinder, statistic_rows

CASES_PATH = Path(__file__).parent / "data" / "statcheck.dev.jsonl"
CASES = [json.loads(line) for line in CASES_PATH.read_text(encoding="utf-8").splitlines() if line]
FLOOR = 0.95
# statcheck's option names -> CheckOptions fields.
OPTION_NAMES = {
    "alpha": "alpha",
    "OneTailedTests": "one_tailed_tests",
    "OneTailedTxt": "one_tailed_txt",
    "pZeroError": "p_zero_error",
}


@pytest.fixture(scope="module")
def finder() -> StatisticFinder:
    return StatisticFinder()


def run_case(finder: StatisticFinder, case: dict[str, Any]) -> list[tuple[int, Any]]:
    """(text index, row) for every result statcheck would count in the case's texts."""
    options = CheckOptions(
        **{OPTION_NAMES[k]: v for k, v in case["options"].items() if k in OPTION_NAMES}
    )
    kinds = {"test_statistic"}
    if case["options"].get("AllPValues"):
        kinds |= {"p_value", "ci", "ratio", "mean_difference", "percent", "count", "mean_sd"}
    results = []
    for i, text in enumerate(case.get("texts") or [case["text"]]):
        found = finder(text)
        mentions = [Mention(f"m{n}", 0, f) for n, f in enumerate(found, 1)]
        rows = statistic_rows("case", text, mentions, options)
        results.extend((i, row) for row in rows if row.kind in kinds)
    return results


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def disagreements(finder: StatisticFinder, case: dict[str, Any]) -> list[str]:
    """What the claimx results say differently from statcheck's expected results."""
    results = run_case(finder, case)
    rows = [row for _, row in results]
    expected = case["expected"]
    problems: list[str] = []
    n_expected = expected.get("n_results")
    if n_expected is not None and len(rows) != n_expected:
        problems.append(f"n_results {len(rows)} != {n_expected}")
    if "per_text_n_results" in case:
        per_text = [
            sum(1 for i, _ in results if i == t) for t in range(len(case["per_text_n_results"]))
        ]
        if per_text != case["per_text_n_results"]:
            problems.append(f"per text {per_text} != {case['per_text_n_results']}")
    if "source" in expected:
        sources = [str(i + 1) for i, _ in results]
        if sources != expected["source"]:
            problems.append(f"source {sources} != {expected['source']}")
    if not rows:
        if n_expected is None:
            problems.append("no result found")
        return problems
    columns = {
        "test_type": "test_type",
        "df1": "df1",
        "df2": "df2",
        "test_comp": "comparator",
        "test_value": "value",
        "p_comp": "p_comparator",
        "reported_p": "p_reported",
        "raw": "text",
        "error": "error",
        "decision_error": "decision_error",
    }
    for key, column in columns.items():
        if key not in expected:
            continue
        want = _as_list(expected[key])
        got = [getattr(row, column) for row in rows][: len(want)]
        if key == "raw":
            got = [g.strip() for g in got]
        if isinstance(want[0], float) or isinstance(want[0], int) and not isinstance(want[0], bool):
            same = len(got) == len(want) and all(
                g is not None and abs(g - w) < 1e-9 for g, w in zip(got, want, strict=True)
            )
        else:
            same = got == want
        if not same:
            problems.append(f"{key} {got} != {want}")
    return problems


def test_statcheck_agreement_floor(finder: StatisticFinder) -> None:
    failed = {case["id"]: disagreements(finder, case) for case in CASES}
    failed = {k: v for k, v in failed.items() if v}
    agreement = 1 - len(failed) / len(CASES)
    assert agreement >= FLOOR, f"agreement {agreement:.3f} < {FLOOR}: {failed}"


NEGATIVE = [c for c in CASES if c["expected"].get("n_results") == 0]


@pytest.mark.parametrize("case", NEGATIVE, ids=[c["id"] for c in NEGATIVE])
def test_statcheck_negative_cases_yield_nothing(finder: StatisticFinder, case: dict) -> None:
    assert run_case(finder, case) == []


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_statcheck_case(finder: StatisticFinder, case: dict) -> None:
    assert disagreements(finder, case) == []
