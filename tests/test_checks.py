"""Consistency checks: p recomputed from test statistics (statcheck's rules), estimates and
their CIs, CIs against p values, percentages against counts."""

from __future__ import annotations

from typing import Any

import pytest

from claimx.checks import (
    CheckOptions,
    check_estimate,
    check_percent,
    check_statistic,
    check_test,
    p_from_statistic,
)


@pytest.mark.parametrize(
    ("test_type", "value", "df1", "df2", "p"),
    [
        ("t", 2.20, 28, None, 0.0362),
        ("t", -2.20, 28, None, 0.0362),
        ("F", 3.1, 2, 28, 0.0607),
        ("chi2", 4.2, 1, None, 0.0404),
        ("Q", 9.1, 5, None, 0.1051),
        ("z", 1.96, None, None, 0.0500),
        ("r", 0.50, 30, None, 0.0036),
    ],
    ids=["t", "t-negative", "F", "chi2", "Q", "z", "r"],
)
def test_p_from_statistic(test_type: str, value: float, df1: Any, df2: Any, p: float) -> None:
    assert p_from_statistic(test_type, value, df1, df2) == pytest.approx(p, abs=5e-4)


@pytest.mark.parametrize(
    ("test_type", "value", "df1", "df2"),
    [("t", 2.0, None, None), ("F", 2.0, 2, None), ("r", 1.5, 30, None), ("w", 2.0, 3, None)],
    ids=["t-without-df", "F-without-df2", "r-above-one", "unknown-test"],
)
def test_p_cannot_be_computed(test_type: str, value: float, df1: Any, df2: Any) -> None:
    assert p_from_statistic(test_type, value, df1, df2) is None


def _test(**kw: Any) -> dict[str, Any]:
    data = {
        "test_type": "t",
        "df1": 28.0,
        "df2": None,
        "comparator": "=",
        "value": 2.2,
        "value_decimals": 2,
        "p_comparator": "=",
        "p_reported": 0.03,
        "p_decimals": 2,
    }
    data.update(kw)
    return data


@pytest.mark.parametrize(
    ("data", "options", "error", "decision_error"),
    [
        (_test(p_reported=0.04), CheckOptions(), False, False),
        (_test(p_reported=0.036, p_decimals=3), CheckOptions(), False, False),
        (_test(value=2.0, value_decimals=0, p_reported=0.02), CheckOptions(), False, False),
        (_test(value=1.2, p_reported=0.03), CheckOptions(), True, True),
        (_test(p_reported=0.06), CheckOptions(), True, True),
        (_test(p_reported=0.04), CheckOptions(one_tailed_tests=True), True, False),
        (_test(p_comparator="<", p_reported=0.02), CheckOptions(), True, False),
        (_test(p_comparator="<", p_reported=0.05), CheckOptions(), False, False),
        (_test(p_comparator=">", p_reported=0.08), CheckOptions(), True, True),
        (_test(comparator="<", p_reported=0.08), CheckOptions(), False, False),
        (_test(value=22.2, p_reported=0.0, p_decimals=3), CheckOptions(), True, False),
        (
            _test(value=22.2, p_reported=0.0, p_decimals=3),
            CheckOptions(p_zero_error=False),
            False,
            False,
        ),
        (_test(p_comparator="ns", p_reported=None), CheckOptions(), True, True),
        (_test(value=1.2, p_reported=0.03), CheckOptions(alpha=0.01), True, False),
    ],
    ids=[
        "rounded-p-is-fine",
        "three-decimals-fine",
        "integer-statistic-rounding",
        "decision-error-sig",
        "decision-error-nonsig",
        "one-tailed-option",
        "p-less-than-too-small",
        "p-less-than-fine",
        "p-greater-than-wrong",
        "statistic-less-than",
        "p-zero-is-error",
        "p-zero-allowed",
        "ns-but-significant",
        "alpha-option",
    ],
)
def test_check_test(data: dict, options: CheckOptions, error: bool, decision_error: bool) -> None:
    result = check_test(data, "", options)
    assert (result["error"], result["decision_error"]) == (error, decision_error)
    assert bool(result["flags"]) == error


@pytest.mark.parametrize(
    ("text", "error"),
    [("t(28) = 2.20, p = .018, one-tailed", False), ("t(28) = 2.20, p = .018", True)],
    ids=["one-tailed-said", "one-tailed-not-said"],
)
def test_one_tailed_text(text: str, error: bool) -> None:
    data = _test(p_reported=0.018, p_decimals=3)
    assert check_test(data, text, CheckOptions(one_tailed_txt=True))["error"] is error


@pytest.mark.parametrize(
    ("data", "flag"),
    [
        ({"kind": "ratio", "value": 2.1, "ci_low": 1.2, "ci_high": 3.4}, None),
        ({"kind": "ratio", "value": 0.9, "ci_low": 1.2, "ci_high": 3.4}, "estimate-outside-ci"),
        (
            {
                "kind": "ratio",
                "value": 2.1,
                "ci_low": 1.2,
                "ci_high": 3.4,
                "ci_level": 0.95,
                "p_comparator": "=",
                "p_reported": 0.2,
            },
            "ci-p-mismatch",
        ),
        (
            {
                "kind": "ratio",
                "value": 1.18,
                "ci_low": 0.98,
                "ci_high": 1.44,
                "ci_level": 0.95,
                "p_comparator": "=",
                "p_reported": 0.01,
            },
            "ci-p-mismatch",
        ),
        (
            {
                "kind": "ratio",
                "value": 1.18,
                "ci_low": 0.98,
                "ci_high": 1.44,
                "ci_level": 0.95,
                "p_comparator": "=",
                "p_reported": 0.088,
            },
            None,
        ),
        (
            {
                "kind": "mean_difference",
                "value": -1.0,
                "ci_low": -2.0,
                "ci_high": -0.1,
                "ci_level": 0.95,
                "p_comparator": "<",
                "p_reported": 0.05,
            },
            None,
        ),
        (
            {
                "kind": "mean_difference",
                "value": -1.0,
                "ci_low": -2.0,
                "ci_high": -0.1,
                "ci_level": 0.95,
                "p_comparator": "=",
                "p_reported": 0.3,
            },
            "ci-p-mismatch",
        ),
    ],
    ids=[
        "consistent",
        "outside-ci",
        "ci-excludes-1-p-large",
        "ci-includes-1-p-small",
        "ci-and-p-agree",
        "difference-agrees",
        "difference-disagrees",
    ],
)
def test_check_estimate(data: dict, flag: str | None) -> None:
    flags = check_estimate(data)
    if flag is None:
        assert flags == []
    else:
        assert len(flags) == 1 and flags[0].startswith(flag)


@pytest.mark.parametrize(
    ("k", "n", "pct", "decimals", "ok"),
    [
        (5, 51, 10, 0, True),
        (13, 49, 26, 0, True),
        (5, 51, 12, 0, False),
        (339, 649, 52.2, 1, True),
        (339, 649, 55.2, 1, False),
    ],
    ids=["rounded", "rounded-up", "wrong", "one-decimal", "one-decimal-wrong"],
)
def test_check_percent(k: float, n: float, pct: float, decimals: int, ok: bool) -> None:
    data = {
        "kind": "percent",
        "value": pct,
        "numerator": k,
        "denominator": n,
        "pct_decimals": decimals,
    }
    assert (check_percent(data) == []) is ok


@pytest.mark.parametrize(
    ("pct", "n", "decimals", "ok"),
    [
        (62.3, 114, 1, True),
        (62.5, 114, 1, False),
        (92, 14, 0, True),
        (90, 14, 0, False),
        (50, 7, 0, False),
        (100, 7, 0, True),
    ],
    ids=["whole-of-114", "not-whole-of-114", "13-of-14", "none-of-14", "none-of-7", "all-of-7"],
)
def test_percent_granularity(pct: float, n: float, decimals: int, ok: bool) -> None:
    data = {"kind": "percent", "value": pct, "denominator": n, "pct_decimals": decimals}
    flags = check_percent(data)
    assert (flags == []) is ok
    assert ok or flags[0].startswith("percent-granularity")


def test_percent_takes_the_arm_size_after_it() -> None:
    from claimx.recognize.base import Mention
    from claimx.recognize.stats import StatisticFinder, statistic_rows

    text = "The ORR was 62.5% in the GET arm (n = 114) and 51.2% in the FEC arm (n = 129)."
    found = StatisticFinder()(text)
    rows = statistic_rows("d", text, [Mention(f"m{i}", 0, f) for i, f in enumerate(found)])
    flagged = {r.text: r.flags for r in rows if r.kind == "percent"}
    assert flagged["62.5%"][0].startswith("percent-granularity")
    assert flagged["51.2%"] == ()


def test_check_statistic_collects_flags() -> None:
    out = check_statistic(_test(kind="test_statistic", value=1.2, p_reported=0.03))
    assert out["error"] is True and out["decision_error"] is True
    assert out["flags"][0].startswith("statcheck-decision-error")
    assert check_statistic({"kind": "count", "value": 42.0}) == {"flags": ()}
