"""Every file under rules/ parses, and its ids are unique (a broken rules file fails here,
with its name and line, before it can fail a user's run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claimx.rules import read_jsonl, read_tsv, read_yaml, rules_dir

RULES = rules_dir()
FILES = sorted(
    p for p in RULES.rglob("*") if p.is_file() and p.suffix in {".yml", ".yaml", ".jsonl", ".tsv"}
)


def test_rules_dir_holds_rules() -> None:
    assert (RULES / "lexicons").is_dir() and FILES


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(RULES).as_posix() for p in FILES])
def test_rules_file_parses(path: Path) -> None:
    if path.suffix in {".yml", ".yaml"}:
        data = read_yaml(path)
        assert data is not None, f"{path} is empty"
    elif path.suffix == ".jsonl":
        rows = [obj for _, obj in read_jsonl(path)]
        ids = [r["id"] for r in rows if "id" in r]
        assert len(ids) == len(set(ids)), f"{path}: repeated ids"
        for row in rows:
            if "pattern" in row and isinstance(row["pattern"], list):
                from spacy.schemas import validate_token_pattern

                assert validate_token_pattern(row["pattern"]) == [], f"{path}: {row.get('id')}"
    else:
        rows = list(read_tsv(path))
        assert rows, f"{path} has no rows"


def test_rules_dir_override_must_exist(tmp_path: Path) -> None:
    from claimx.errors import RuleError

    with pytest.raises(RuleError, match="does not exist"):
        rules_dir(tmp_path / "nope")
    assert rules_dir(tmp_path) == tmp_path


def _bools_in_lists(node, path="") -> list[str]:
    found = []
    if isinstance(node, dict):
        for k, v in node.items():
            found += _bools_in_lists(v, f"{path}/{k}")
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, bool):
                found.append(f"{path}: {item}")
            found += _bools_in_lists(item, path)
    return found


YAML_FILES = [p for p in FILES if p.suffix in {".yml", ".yaml"}]


@pytest.mark.parametrize(
    "path", YAML_FILES, ids=[p.relative_to(RULES).as_posix() for p in YAML_FILES]
)
def test_no_bare_yes_no_on_off_words_in_yaml_lists(path: Path) -> None:
    # YAML 1.1 reads bare no/on/yes/off as booleans: a cue word "no" silently becomes False.
    assert _bools_in_lists(read_yaml(path)) == [], f"{path}: quote these words"
