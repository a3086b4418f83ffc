"""The pattern cache: patterns rebuilt from cached code are the patterns re.compile makes."""

from __future__ import annotations

import marshal
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimx.compiled import PatternCache

PATTERNS = [
    (r"(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>mg|g|µg)(?:/(?P<per>kg|m2))?", re.IGNORECASE),
    (r"(?<![\w.])(?:p|P)\s*(?:<|>|=|≤)\s*0?\.\d+", 0),
    (r"\b(?:once|twice|three times)\s+(?:a\s+)?(?:day|daily|week)\b", re.I),
    (r"(?x) \( \s* (?P<short>[A-Z][A-Za-z0-9-]{1,9}) \s* \)  # a bracketed short form", 0),
    (r"^(?:Methods?|Results?)\s*:$", re.MULTILINE),
    (r"[^\W\d_]+(?=\s*-\s*induced)", 0),
    (r"(?:" + "|".join(f"word{k}" for k in range(300)) + r")\b", 0),
    (r"(a|b)\1", 0),
    ("", 0),
]
TEXTS = [
    "Ketamine 12.5 mg/kg twice a day (P = .03); 0.5 G",
    "methods:\nResults:\nNMDA (NMDA) ( CRPS ) drug-induced word17 word299x aa bb ab",
    "µg µG 5µg 1,000 mg p<0.001 P ≤ .05",
    "",
]


def _same(a: re.Pattern[str], b: re.Pattern[str]) -> None:
    assert a == b  # pattern, flags and code
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (
        b.pattern,
        b.flags,
        b.groups,
        b.groupindex,
    )
    for text in TEXTS:
        assert [(m.span(), m.groups(), m.groupdict()) for m in a.finditer(text)] == [
            (m.span(), m.groups(), m.groupdict()) for m in b.finditer(text)
        ]


@pytest.mark.parametrize(("pattern", "flags"), PATTERNS, ids=range(len(PATTERNS)))
def test_rebuilt_from_the_cache_file_equals_re_compile(
    tmp_path: Path, pattern: str, flags: int
) -> None:
    path = tmp_path / "patterns.marshal"
    first = PatternCache(path)
    _same(first.compile(pattern, flags), re.compile(pattern, flags))
    assert first.dirty
    first.save()
    second = PatternCache(path)  # a later run
    assert (pattern, int(flags)) in second.entries
    _same(second.compile(pattern, flags), re.compile(pattern, flags))
    assert not second.dirty  # nothing new to save


@pytest.mark.filterwarnings("ignore::FutureWarning")
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab()|*+?[]^$.\\-{}1,2:=!<P")), max_size=14))
def test_any_pattern_re_accepts_comes_back_equal_or_not_at_all(pattern: str) -> None:
    try:
        fresh = re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        with pytest.raises((re.error, OverflowError, RecursionError)):
            PatternCache(None).compile(pattern)
        return
    cache = PatternCache(None)
    assert cache.compile(pattern) == fresh
    entry = cache.entries.get((pattern, 0))
    if entry is not None:  # stored only when the rebuilt matcher equals re.compile's
        second = PatternCache(None)
        second.entries = marshal.loads(marshal.dumps(cache.entries))
        assert second.compile(pattern) == fresh


@pytest.mark.parametrize(
    "content",
    [b"", b"not marshal at all", marshal.dumps([1, 2, 3]), marshal.dumps({("x", 0): "junk"})],
    ids=["empty", "garbage", "not-a-dict", "bad-entry"],
)
def test_a_damaged_cache_file_means_compiling_again(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "patterns.marshal"
    path.write_bytes(content)
    cache = PatternCache(path)
    assert cache.compile("x") == re.compile("x")
    cache.save()
    assert PatternCache(path).entries[("x", 0)][2] == 0  # a good entry replaced it


def test_entry_whose_code_the_engine_refuses_is_compiled_again(tmp_path: Path) -> None:
    path = tmp_path / "patterns.marshal"
    cache = PatternCache(path)
    cache.compile("ab+")
    flags, code, groups, groupindex, indexgroup = cache.entries[("ab+", 0)]
    broken = PatternCache(None)
    broken.entries = {("ab+", 0): (flags, [999, *code], groups, groupindex, indexgroup)}
    assert broken.compile("ab+") == re.compile("ab+")
    assert broken.entries[("ab+", 0)][1] == code


def test_save_keeps_only_the_patterns_this_run_used(tmp_path: Path) -> None:
    path = tmp_path / "patterns.marshal"
    old = PatternCache(path)
    old.compile("old rule")
    old.save()
    new = PatternCache(path)
    new.compile("new rule")
    new.save()
    assert set(PatternCache(path).entries) == {("new rule", 0)}


def test_switched_off_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from claimx import compiled

    monkeypatch.setenv("CLAIMX_CACHE", str(tmp_path))
    monkeypatch.setenv("CLAIMX_PATTERN_CACHE", "0")
    compiled.pattern_cache.cache_clear()
    try:
        cache = compiled.pattern_cache()
        assert cache.path is None
        cache.compile("abc")
        cache.save()
        assert not list(tmp_path.rglob("*"))
    finally:
        compiled.pattern_cache.cache_clear()
