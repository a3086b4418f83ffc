"""Find and read the rules folder (patterns, lexicons, cues)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from claimx.errors import ClaimxError, RuleError


def rules_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The rules folder: `override`, then $CLAIMX_RULES, then the copy inside the package."""
    for candidate in (override, os.environ.get("CLAIMX_RULES")):
        if candidate:
            path = Path(candidate)
            if not path.is_dir():
                raise RuleError(f"rules folder {path} does not exist; pass an existing --rules DIR")
            return path
    packaged = resources.files("claimx") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    # Editable install / source checkout: rules/ beside src/.
    source = Path(__file__).resolve().parents[2] / "rules"
    if source.is_dir():
        return source
    raise RuleError("claimx's rules folder is missing; reinstall claimx or set CLAIMX_RULES")


def read_jsonl(
    path: Path, error: type[ClaimxError] = RuleError, what: str = "rules file"
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file; `//` lines are
    comments. Problems raise `error`, naming the file and line."""
    try:
        f = path.open(encoding="utf-8")
    except OSError as e:
        raise error(f"cannot read {what} {path} ({e.strerror}); check the path") from None
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise error(f"{path}:{n}: not valid JSON ({e.msg})") from None
            if not isinstance(obj, dict):
                raise error(f"{path}:{n}: expected one JSON object per line")
            yield n, obj


@lru_cache(maxsize=64)
def read_yaml(path: Path) -> Any:
    """Parse a YAML rules file (cached: rules files do not change during a run)."""
    import yaml

    # libyaml's C loader parses the rules files ~10x faster than the pure-Python one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as f:
            return yaml.load(f, Loader=loader)  # noqa: S506  (a safe loader)
    except yaml.YAMLError as e:
        raise RuleError(f"{path}: not valid YAML ({e})") from None
    except OSError as e:
        raise RuleError(f"{path}: cannot read ({e.strerror})") from None


def read_tsv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) for a TSV with a header line; '#' lines are comments."""
    with path.open(encoding="utf-8") as f:
        header: list[str] | None = None
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if header is None:
                header = cells
                continue
            if len(cells) > len(header):
                raise RuleError(f"{path}:{n}: {len(cells)} cells, header has {len(header)}")
            cells += [""] * (len(header) - len(cells))
            yield n, dict(zip(header, cells, strict=True))
