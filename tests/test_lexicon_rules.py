"""Every file under rules/lexicons/ parses, and its ids and surfaces are consistent."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest

from claimx.errors import RuleError
from claimx.recognize.lexicon import (
    DENY_FILE,
    ENDOGENOUS_FILE,
    LEXICON_FILES,
    TARGETS_FILE,
    read_deny,
    read_endogenous,
    read_lexicon_rows,
    read_targets,
    surface_key,
)
from claimx.rules import read_tsv

LEXICONS = Path(__file__).resolve().parent.parent / "rules" / "lexicons"
COLUMNS = ["id", "name", "synonyms", "kind", "class", "xref"]
LEXICON_NAMES = [name for files in LEXICON_FILES.values() for name in files]
# Surfaces that two concepts of one file may share, with the reason.
SHARED_SURFACES: dict[str, str] = {}


@pytest.mark.parametrize("name", LEXICON_NAMES)
def test_lexicon_file_exists(name):
    assert (LEXICONS / name).is_file()


@pytest.mark.parametrize("name", LEXICON_NAMES)
def test_lexicon_header(name):
    header = next(
        line.rstrip("\n").split("\t")
        for line in (LEXICONS / name).open(encoding="utf-8")
        if line.strip() and not line.startswith("#")
    )
    assert header == COLUMNS


@pytest.mark.parametrize("name", LEXICON_NAMES)
def test_lexicon_rows_parse(name):
    rows = list(read_lexicon_rows(LEXICONS / name))
    assert rows, f"{name} is empty"


@pytest.mark.parametrize("name", ["drugs.tsv", "conditions.tsv"])
def test_generated_ids_unique(name):
    seen: dict[str, int] = {}
    for line, concept_id, *_ in read_lexicon_rows(LEXICONS / name):
        assert concept_id not in seen, (
            f"{name}:{line}: {concept_id} also on line {seen[concept_id]}"
        )
        seen[concept_id] = line


@pytest.mark.parametrize("name", ["drugs.extra.tsv", "conditions.extra.tsv"])
def test_curated_rows_of_one_id_agree(name):
    # A curated id may take two rows (to keep a row readable), but they must say the same.
    meta: dict[str, tuple[str, dict[str, str]]] = {}
    for line, concept_id, preferred, _, data in read_lexicon_rows(LEXICONS / name):
        if concept_id in meta:
            assert meta[concept_id] == (preferred, data), f"{name}:{line}: {concept_id} disagrees"
        meta[concept_id] = (preferred, data)


@pytest.mark.parametrize("name", LEXICON_NAMES)
def test_no_surface_with_two_ids(name):
    owners: dict[str, set[str]] = defaultdict(set)
    for _, concept_id, _, synonyms, _ in read_lexicon_rows(LEXICONS / name):
        for surface in synonyms:
            owners[surface_key(surface)].add(concept_id)
    clashes = {k: v for k, v in owners.items() if len(v) > 1 and k not in SHARED_SURFACES}
    assert not clashes, f"{name}: surfaces with several ids: {sorted(clashes.items())[:5]}"


@pytest.mark.parametrize("name", LEXICON_NAMES)
def test_no_repeated_synonym(name):
    for line, _, _, synonyms, _ in read_lexicon_rows(LEXICONS / name):
        keys = [surface_key(s) for s in synonyms]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        assert not repeated, f"{name}:{line}: repeated synonyms {repeated}"


def test_deny_list_parses_and_is_unique():
    seen: set[str] = set()
    for line, row in read_tsv(LEXICONS / DENY_FILE):
        assert row["reason"].strip(), f"{DENY_FILE}:{line}: say why the word is denied"
        key = surface_key(row["surface"])
        assert key not in seen, f"{DENY_FILE}:{line}: {row['surface']} listed twice"
        seen.add(key)
    assert read_deny(LEXICONS / DENY_FILE)


@pytest.mark.parametrize(
    "word", ["all", "left", "right", "falls", "lead", "cold", "may", "strain", "aids"]
)
def test_deny_list_has_ambiguous_word(word):
    assert surface_key(word) in read_deny(LEXICONS / DENY_FILE)


def test_targets_parse():
    targets = read_targets(LEXICONS / TARGETS_FILE)
    assert "receptor" in targets["drug"]
    assert "effects" in targets["class"]
    assert "non" in targets["prefix"]
    assert "signals" in targets["condition"]
    assert "endogenous" in targets["before"]
    assert "chronic" in targets["modifier"]
    assert "agents" in targets["head"]
    assert "nitrate" in targets["salt"]
    assert "serum" in targets["fluid"]
    assert "levels" in targets["measure"]
    assert "levels" in targets["measure-of"]
    assert "anti" in targets["class-prefix"]
    assert "oxidative stress" in targets["block"]
    assert "neuropathic" in targets["nominal"]
    assert "cholinergic" in targets["head-only"]


def test_endogenous_ids_are_drugs():
    drug_ids = {
        concept_id
        for name in LEXICON_FILES["DRUG"]
        for _, concept_id, *_ in read_lexicon_rows(LEXICONS / name)
    }
    endogenous = read_endogenous(LEXICONS / ENDOGENOUS_FILE)
    assert "DrugBank:DB00741" in endogenous  # cortisol
    assert sorted(endogenous - drug_ids) == []


ICD10CM = re.compile(r"ICD10CM:[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")


def test_condition_xrefs_are_icd10cm_codes():
    xrefs = [
        (line, data["xref"])
        for line, _, _, _, data in read_lexicon_rows(LEXICONS / "conditions.tsv")
        if "xref" in data
    ]
    assert len(xrefs) > 1000
    bad = [(line, x) for line, x in xrefs if not ICD10CM.fullmatch(x)]
    assert bad == []


def test_notice_names_sources():
    notice = (LEXICONS / "NOTICE").read_text(encoding="utf-8")
    for source in (
        "DrugBank",
        "MeSH",
        "Human Phenotype Ontology",
        "drug-named-entity-recognition",
        "ICD-10-CM",
        "simple-icd-10-cm",
    ):
        assert source in notice


BROKEN = [
    ("unknown-scheme", "id\tname\nRXNORM:123\tx\n", "no known scheme"),
    ("missing-name", "id\tname\nMESH:D000001\t\n", "needs an id and a name"),
    ("bad-kind", "id\tname\tkind\nMESH:D000001\tx\tgroup\n", "kind"),
    ("too-many-cells", "id\tname\nMESH:D000001\tx\ty\n", "cells"),
]


@pytest.mark.parametrize(
    ("content", "message"),
    [pytest.param(content, message, id=case_id) for case_id, content, message in BROKEN],
)
def test_broken_lexicon_file_names_line(tmp_path, content, message):
    path = tmp_path / "drugs.extra.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError, match=rf"drugs.extra.tsv:2: .*{message}"):
        list(read_lexicon_rows(path))


@pytest.mark.parametrize(
    ("reader", "content"),
    [
        pytest.param(read_deny, "surface\tlabels\treason\nfoo\tDOZE\tx\n", id="deny-label"),
        pytest.param(read_targets, "word\tapplies\nreceptor\tsometimes\n", id="target-applies"),
        pytest.param(read_endogenous, "id\tname\nLOINC:123\tx\n", id="endogenous-scheme"),
    ],
)
def test_broken_side_files(tmp_path, reader, content):
    path = tmp_path / "side.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RuleError, match=r"side.tsv:2"):
        reader(path)
