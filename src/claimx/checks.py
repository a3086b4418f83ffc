"""Consistency checks on parsed statistics.

- APA test statistics: recompute p from the statistic and its degrees of freedom and flag a
  reported p that cannot be right (an *error*) and one whose significance flips at alpha (a
  *decision error*), as statcheck does. Rounding-aware: the statistic "2.20" stands for any
  value in [2.195, 2.205) and "p = .04" for [.035, .045), so a correctly rounded p is no error.
- A point estimate outside its confidence interval.
- A ratio (or difference) whose CI excludes the null value while p > alpha, or the reverse.
- A percentage that does not match its counts ("5 (12%) of 51").

Every problem becomes a string in `flags`: "<check>: <reason>".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ONE_TAILED_WORDS = re.compile(
    r"one[- ]?tailed|one[- ]?sided|directional|1[- ]tailed|1[- ]sided", re.IGNORECASE
)
NULL_VALUE = {"ratio": 1.0, "mean_difference": 0.0}


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """statcheck's options: alpha; every test one-tailed (OneTailedTests); accept a p that is
    right as one-tailed when the text says "one-tailed", "one-sided" or "directional"
    (OneTailedTxt); count "p = .000" as an error (pZeroError)."""

    alpha: float = 0.05
    one_tailed_tests: bool = False
    one_tailed_txt: bool = False
    p_zero_error: bool = True
    p_equal_alpha_significant: bool = True


def p_from_statistic(
    test_type: str,
    value: float,
    df1: float | None = None,
    df2: float | None = None,
    *,
    one_tailed: bool = False,
) -> float | None:
    """The p value of a test statistic: t, r (two-tailed unless `one_tailed`), F, chi2, Q, Qw,
    Qb (upper tail) and z (two-tailed unless `one_tailed`). None when it cannot be computed."""
    # scipy.special's distribution functions, not scipy.stats: the same numbers (stats' sf
    # calls exactly these), but importing scipy.stats costs ~1.5 s of each process's start.
    from scipy import special

    try:
        if test_type == "t":
            if df1 is None or df1 <= 0:
                return None
            p = 2 * _upper_tail(lambda x: special.stdtr(df1, -x), abs(value), -math.inf, df1)
        elif test_type == "r":
            if df1 is None or df1 <= 0 or abs(value) > 1:
                return None
            if abs(value) == 1:
                p = 0.0
            else:
                t = value * math.sqrt(df1 / (1 - value * value))
                p = 2 * _upper_tail(lambda x: special.stdtr(df1, -x), abs(t), -math.inf, df1)
        elif test_type == "z":
            p = 2 * _upper_tail(lambda x: special.ndtr(-x), abs(value), -math.inf)
        elif test_type == "F":
            if df1 is None or df2 is None or df1 <= 0 or df2 <= 0 or value < 0:
                return None
            return float(_upper_tail(lambda x: special.fdtrc(df1, df2, x), value, 0.0, df1, df2))
        elif test_type in ("chi2", "Q", "Qw", "Qb"):
            if df1 is None or df1 <= 0 or value < 0:
                return None
            return float(_upper_tail(lambda x: special.chdtrc(df1, x), value, 0.0, df1))
        else:
            return None
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    p = float(p)
    return p / 2 if one_tailed else p


def _upper_tail(sf: Any, x: float, lower: float, *dfs: float) -> Any:
    """`sf(x)` with scipy.stats' rules at the edges of a support that starts at `lower`:
    nan for a nan `x` or a degree of freedom that is not > 0, 1 at or below `lower`, 0 at
    infinity (where scipy.special may give nan)."""
    if math.isnan(x) or not all(d > 0 for d in dfs):
        return math.nan
    if x <= lower:
        return 1.0
    if x == math.inf:
        return 0.0
    return sf(x)


def _p_range(
    test_type: str,
    comparator: str,
    value: float,
    value_decimals: int,
    df1: float | None,
    df2: float | None,
    one_tailed: bool,
) -> tuple[float, float] | None:
    """The p values that the statistic as written allows: (lowest, highest)."""
    half = 0.5 * 10 ** (-value_decimals)
    lo_stat, hi_stat = abs(value) - half, abs(value) + half
    if comparator in ("<", "<="):
        lo_stat = 0.0
    elif comparator in (">", ">="):
        hi_stat = math.inf
    lo_stat = max(lo_stat, 0.0)
    if test_type == "r":
        hi_stat = min(hi_stat, 1.0)
    p_hi = p_from_statistic(test_type, lo_stat, df1, df2, one_tailed=one_tailed)
    p_lo = (
        0.0
        if math.isinf(hi_stat)
        else p_from_statistic(test_type, hi_stat, df1, df2, one_tailed=one_tailed)
    )
    if p_hi is None or p_lo is None:
        return None
    return p_lo, p_hi


def _reported_range(
    comparator: str, p: float | None, p_decimals: int | None, options: CheckOptions
) -> tuple[float, float] | None:
    """The true p values that the report allows: (lowest, highest)."""
    if comparator == "ns":
        return options.alpha, 1.0
    if p is None:
        return None
    if comparator in ("<", "<="):
        return 0.0, p
    if comparator in (">", ">="):
        return p, 1.0
    if p == 0 and not options.p_zero_error:
        # "p = .000" read as "p < .001" (statcheck's pZeroError = FALSE).
        return 0.0, 0.5 * 10 ** (-(p_decimals or 3))
    half = 0.5 * 10 ** (-(p_decimals if p_decimals is not None else 3))
    return max(0.0, p - half), min(1.0, p + half)


def _significant(comparator: str, p: float | None, options: CheckOptions) -> bool | None:
    """Whether the report claims significance at alpha."""
    if comparator == "ns":
        return False
    if p is None:
        return None
    a = options.alpha
    if comparator in ("<", "<="):
        return p <= a
    if comparator in (">", ">="):
        return False if p >= a else None
    return p <= a if options.p_equal_alpha_significant else p < a


def check_test(
    data: Mapping[str, Any], text: str = "", options: CheckOptions | None = None
) -> dict[str, Any]:
    """statcheck for one test: p_computed, error, decision_error and flags."""
    opts = options or CheckOptions()
    test_type = data.get("test_type")
    value = data.get("value")
    if test_type is None or value is None:
        return {}
    df1, df2 = data.get("df1"), data.get("df2")
    comp = data.get("comparator") or "="
    p_comp = data.get("p_comparator") or "="
    p_rep = data.get("p_reported")
    p_dec = data.get("p_decimals")
    dec = int(data.get("value_decimals") or 0)
    one_tailed = opts.one_tailed_tests and test_type in ("t", "r", "z")
    p_computed = p_from_statistic(test_type, value, df1, df2, one_tailed=one_tailed)
    if p_computed is None:
        return {"flags": ("statcheck: p cannot be computed from this statistic",)}
    reported = _reported_range(p_comp, p_rep, p_dec, opts)
    allowed = _p_range(test_type, comp, value, dec, df1, df2, one_tailed)
    if reported is None or allowed is None:
        return {"p_computed": p_computed}
    flags: list[str] = []

    def consistent(rng: tuple[float, float]) -> bool:
        if p_comp == "=" and p_rep == 0 and opts.p_zero_error:
            return False  # a p value is never exactly 0
        return rng[0] <= reported[1] + 1e-12 and reported[0] <= rng[1] + 1e-12

    error = not consistent(allowed)
    if error and opts.one_tailed_txt and not one_tailed and test_type in ("t", "r", "z"):
        # statcheck: right as one-tailed and the text says one-tailed -> no error.
        halved = (allowed[0] / 2, allowed[1] / 2)
        if consistent(halved) and ONE_TAILED_WORDS.search(text or ""):
            error = False
            p_computed /= 2
            flags.append("statcheck: consistent as a one-tailed test, which the text reports")
    decision = False
    if error:
        reported_sig = _significant(p_comp, p_rep, opts)
        computed_sig = allowed[1] <= opts.alpha
        computed_nonsig = allowed[0] > opts.alpha
        decision = (reported_sig is True and computed_nonsig) or (
            reported_sig is False and computed_sig
        )
        shown = "ns" if p_comp == "ns" else f"p {p_comp} {p_rep:g}"
        flags.append(
            f"statcheck-{'decision-error' if decision else 'error'}: reported {shown} but "
            f"{test_type}{_df_text(df1, df2)} {comp} {value:g} gives p = {p_computed:.4g}"
        )
    return {
        "p_computed": p_computed,
        "error": error,
        "decision_error": decision,
        "flags": tuple(flags),
    }


def _df_text(df1: float | None, df2: float | None) -> str:
    if df1 is None:
        return ""
    if df2 is None:
        return f"({df1:g})"
    return f"({df1:g}, {df2:g})"


def check_estimate(data: Mapping[str, Any], options: CheckOptions | None = None) -> list[str]:
    """Flags for an estimate with a CI: outside its CI; CI and p disagree on significance."""
    opts = options or CheckOptions()
    flags: list[str] = []
    value, low, high = data.get("value"), data.get("ci_low"), data.get("ci_high")
    if value is None or low is None or high is None:
        return flags
    if not low <= value <= high:
        flags.append(f"estimate-outside-ci: {value:g} is not within its CI {low:g} to {high:g}")
    null = NULL_VALUE.get(str(data.get("kind")))
    p_comp, p = data.get("p_comparator"), data.get("p_reported")
    level = data.get("ci_level") or 0.95
    if null is None or p is None or abs((1 - level) - opts.alpha) > 1e-9:
        return flags
    excludes = not low <= null <= high
    if excludes and p_comp in ("=", ">", ">=") and p > opts.alpha:
        flags.append(
            f"ci-p-mismatch: the CI {low:g} to {high:g} excludes {null:g} "
            f"but p {p_comp} {p:g} is above {opts.alpha:g}"
        )
    elif (
        not excludes
        and low != null
        and high != null
        and p_comp in ("=", "<", "<=")
        and (p < opts.alpha if p_comp == "=" else p <= opts.alpha)
    ):
        flags.append(
            f"ci-p-mismatch: the CI {low:g} to {high:g} includes {null:g} "
            f"but p {p_comp} {p:g} is below {opts.alpha:g}"
        )
    return flags


def check_percent(data: Mapping[str, Any]) -> list[str]:
    """Flag a percentage that its counts do not give (rounding to the digits reported); with
    only the group size known, flag a percentage that no whole number of the group gives."""
    pct, k, n = data.get("value"), data.get("numerator"), data.get("denominator")
    if pct is None or not n or n <= 0:
        return []
    dec = int(data.get("pct_decimals") or 0)
    # One unit of the last reported digit: rounding allows half a unit, and reports often
    # truncate, or take the denominator of a slightly different population.
    tolerance = 10 ** (-dec) + 1e-9
    if k is not None:
        exact = 100 * k / n
        if abs(exact - pct) <= tolerance:
            return []
        return [
            f"percent-count-mismatch: {k:g}/{n:g} is {exact:.{dec + 1}f}% but {pct:g}% is reported"
        ]
    # Granularity (the GRIM test for percentages): some whole k of n must give the percentage.
    if not 0 <= pct <= 100 or not float(n).is_integer():
        return []
    nearest = round(pct * n / 100)
    if any(abs(100 * c / n - pct) <= tolerance for c in (nearest - 1, nearest, nearest + 1)):
        return []
    return [
        f"percent-granularity: no whole number of {n:g} is {pct:g}% "
        f"({nearest:g}/{n:g} is {100 * nearest / n:.{dec + 1}f}%)"
    ]


def has_checks(data: Mapping[str, Any]) -> bool:
    """Whether a check applies to a parsed statistic: a test, an estimate with a CI or a
    percentage with a group size (most rows are none of these: check_statistic would only
    copy their flags)."""
    kind = data.get("kind")
    return (
        kind == "test_statistic"
        or data.get("ci_low") is not None
        or (kind == "percent" and bool(data.get("denominator")))
    )


def check_statistic(
    data: Mapping[str, Any], text: str = "", options: CheckOptions | None = None
) -> dict[str, Any]:
    """All checks that apply to one parsed statistic: columns to update on its row."""
    opts = options or CheckOptions()
    kind = data.get("kind")
    out: dict[str, Any] = {}
    flags: list[str] = list(data.get("flags") or ())
    if kind == "test_statistic":
        result = check_test(data, text if not data.get("one_tailed_txt") else "one-tailed", opts)
        flags.extend(result.pop("flags", ()))
        out.update(result)
    else:
        # Most rows are neither estimates with a CI nor percentages with a group size: skip the
        # checks that would find nothing to check.
        if data.get("ci_low") is not None:
            flags.extend(check_estimate(data, opts))
        if kind == "percent" and data.get("denominator"):
            flags.extend(check_percent(data))
    out["flags"] = tuple(flags)
    return out
