"""Regular expressions compiled once per machine instead of once per run.

Python compiles a regular expression in two steps: parsing the pattern and generating the
engine's code are written in Python and slow (claimx's 230 rule patterns took about 0.5 s of
each start, a third of the time to the first document); building the matcher from that code
(`_sre.compile`, in C) takes microseconds. `compile_pattern` keeps the generated code of every
pattern it compiles in a cache file and builds the matcher straight from it on later runs.

Safe by construction: an entry is stored only when the matcher rebuilt from it compares equal
to the one `re.compile` made (re.Pattern equality compares pattern, flags and code), the file
is specific to the Python build and the regex engine's version, and anything unexpected
(a missing, corrupt or foreign file, an engine that refuses the code) means compiling as
`re.compile` does. The cache changes no result, only the time to get it.
"""

from __future__ import annotations

import _sre
import marshal
import os
import re
import sys
import warnings
import zlib
from functools import cache
from pathlib import Path

try:  # Python 3.11+
    from re import _compiler, _parser  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_compile as _compiler  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

# (pattern, flags) -> what _sre.compile takes besides the pattern: flags, code, groups,
# groupindex, indexgroup.
Entry = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


def cache_dir() -> Path:
    """claimx's cache folder: $CLAIMX_CACHE/claimx, $XDG_CACHE_HOME/claimx or ~/.cache/claimx."""
    base = os.environ.get("CLAIMX_CACHE") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "claimx" if base else Path.home() / ".cache" / "claimx"


def _build_tag() -> str:
    """What the cached code depends on: the interpreter build and the engine's version."""
    impl = sys.implementation
    return f"{impl.cache_tag}-{_sre.MAGIC}-{zlib.crc32(sys.version.encode()):08x}"


def _generate(pattern: str, flags: int) -> Entry:
    """The arguments re.compile passes to _sre.compile for `pattern` (as re's compiler
    computes them; checked against re.compile's own result before use)."""
    with warnings.catch_warnings():  # re.compile has just said whatever there is to say
        warnings.simplefilter("ignore")
        parsed = _parser.parse(pattern, flags)
    code = [int(c) for c in _compiler._code(parsed, flags)]
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    return (
        flags | parsed.state.flags,
        code,
        parsed.state.groups - 1,
        groupindex,
        tuple(indexgroup),
    )


def _rebuild(pattern: str, entry: Entry) -> re.Pattern[str]:
    final_flags, code, groups, groupindex, indexgroup = entry
    return _sre.compile(pattern, final_flags, code, groups, groupindex, indexgroup)  # type: ignore[no-any-return]


class PatternCache:
    """Compiled patterns' code, loaded from and saved to one file."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[tuple[str, int], Entry] = {}
        self.used: set[tuple[str, int]] = set()
        self.dirty = False
        if path is not None:
            try:
                data = marshal.loads(path.read_bytes())
                if isinstance(data, dict):
                    self.entries = data
            except (OSError, EOFError, ValueError, TypeError):
                self.entries = {}

    def compile(self, pattern: str, flags: int = 0) -> re.Pattern[str]:
        """re.compile(pattern, flags), from the cached code when there is some."""
        flags = int(flags)
        key = (pattern, flags)
        entry = self.entries.get(key)
        if entry is not None:
            try:
                compiled = _rebuild(pattern, entry)
                self.used.add(key)
                return compiled
            except Exception:  # noqa: BLE001  a stale or damaged entry: compile it again
                del self.entries[key]
        compiled = re.compile(pattern, flags)
        try:
            entry = _generate(pattern, flags)
            if _rebuild(pattern, entry) == compiled:
                self.entries[key] = entry
                self.used.add(key)
                self.dirty = True
        except Exception:  # noqa: BLE001  not cacheable here: re.compile's result stands
            pass
        return compiled

    def save(self) -> None:
        """Write the entries this process used, if any were new (entries of patterns no
        longer compiled, e.g. after an edit of the rules, are dropped then)."""
        if not self.dirty or self.path is None:
            return
        keep = {k: v for k, v in self.entries.items() if k in self.used}
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps(keep))
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:  # the cache only saves time: next run compiles again
            tmp.unlink(missing_ok=True)


@cache
def pattern_cache() -> PatternCache:
    """This process's pattern cache (a memo: it changes no result, only the time to get it).
    CLAIMX_PATTERN_CACHE=0 turns it off."""
    if os.environ.get("CLAIMX_PATTERN_CACHE", "1") == "0":
        return PatternCache(None)
    return PatternCache(cache_dir() / f"patterns-{_build_tag()}.marshal")


def compile_pattern(pattern: str, flags: int | re.RegexFlag = 0) -> re.Pattern[str]:
    """re.compile for claimx's rule patterns, through this process's pattern cache."""
    return pattern_cache().compile(pattern, int(flags))


def save_patterns() -> None:
    """Save newly compiled patterns' code for the next run (claimx calls this once its
    pipeline is built and after each batch of documents)."""
    pattern_cache().save()
