#!/usr/bin/env python3
"""Build data/gold/seeds.jsonl from the hand-made annotation below and verify it.

The annotation was made by reading the five seed texts against data/gold/README.md, not from
what claimx finds. It is written as surfaces because an exhaustive gold set must treat every
occurrence of a surface alike: each SURFACES row names a surface, its label and preferred name,
and the contexts in which an occurrence is NOT that label (with the guideline that says so).
Longer surfaces are placed first; a shorter one inside a longer span of the same label is part
of that span. Every skip context must be used, so a stale one is an error.

Checks (the run fails on any): text[start:end] == entity text; no two spans of one label
overlap; every occurrence in any seed of any annotated surface (and of its plural or singular)
is either annotated with the same label or inside a declared skip context.

  python data/gold/build_seeds.py            # write seeds.jsonl and print a review listing
  python data/gold/build_seeds.py --check    # verify the committed seeds.jsonl only
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RAW = HERE.parent / "raw"
OUT = HERE / "seeds.jsonl"
LABELS = ("DRUG", "DOSE", "ROUTE", "FREQUENCY", "DURATION", "CONDITION", "STATISTIC")

# Skip contexts shared by several rows (README section in brackets).
# [DRUG: receptors are not drugs]
OPIOID_RECEPTORS = ("opioid receptors", "µ-opioid and", "mu-opioid and")
PAIN_MACHINERY = (  # [CONDITION: "pain" naming the nervous system's signalling, not the symptom]
    "pain signals",
    "pain signal transmission",
    "pain receptors",
    "pain mechanism",
    "pain clinician",
)
JOURNALS = ("Pain Physician", "Pain Res Manag")  # [References: journal names]

# (label, surface, norm, skip contexts). Matching ignores case; a surface matches only between
# non-word characters, so "oral" is not found in "orofacial" nor "Ketamine" in "Ketamine_for";
# a skip context is a plain substring ("analgesic effect" also skips "analgesic effects").
SURFACES: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    # DRUG: drugs and drug classes; receptors, endogenous substances and treatments are not.
    ("DRUG", "ketamine", "ketamine", ()),
    ("DRUG", "Special K", "ketamine", ()),
    ("DRUG", "oxytocin", "oxytocin", ("Oxytocin receptors",)),
    ("DRUG", "methadone", "methadone", ()),
    ("DRUG", "morphine", "morphine", ()),
    ("DRUG", "naltrexone", "naltrexone", ()),
    ("DRUG", "phencyclidine", "phencyclidine", ()),
    ("DRUG", "opioids", "opioids", ()),
    ("DRUG", "opioid medications", "opioids", ()),
    ("DRUG", "opioid medication", "opioids", ()),
    # "endogenous opioid release": the body's own opioid peptides, not a drug.
    ("DRUG", "opioid", "opioids", (*OPIOID_RECEPTORS, "endogenous opioid")),
    ("DRUG", "opiate", "opiates", ()),
    ("DRUG", "benzodiazepines", "benzodiazepines", ()),
    ("DRUG", "tricyclic antidepressants", "tricyclic antidepressants", ()),
    ("DRUG", "antidepressants", "antidepressants", ()),
    ("DRUG", "anticonvulsants", "anticonvulsants", ()),
    ("DRUG", "antiseizure, antidepressant, and anti-inflammatory agents", None, ()),
    ("DRUG", "muscle relaxants", "muscle relaxants", ()),
    ("DRUG", "adrenergic blocking agents", "adrenergic antagonists", ()),
    ("DRUG", "neuropathic agents", None, ()),
    ("DRUG", "analgesics", "analgesics", ()),
    # "analgesic" as a noun (a drug of that class) is DRUG; as an adjective it is not.
    ("DRUG", "analgesic", "analgesics", ("analgesic properties", "analgesic effect")),
    ("DRUG", "anesthetic agent", "anesthetics", ()),
    ("DRUG", "anesthetic", "anesthetics", ("anesthetic doses",)),
    ("DRUG", "N-methyl-D-aspartic acid receptor antagonist", "NMDA receptor antagonists", ()),
    ("DRUG", "NMDA receptor antagonist", "NMDA receptor antagonists", ()),
    ("DRUG", "µ-opioid receptor agonist", "mu-opioid receptor agonists", ()),
    # DOSE: from the number through the unit.
    ("DOSE", "0.25 to 0.50 mL", None, ()),
    ("DOSE", "12.5 to 25 mg", None, ()),
    ("DOSE", "3 mg", None, ()),
    ("DOSE", "30 mg", None, ()),
    ("DOSE", "30 to 1000 mg/day", None, ()),
    # Qualitative doses given to patients, as PHEE and ADE-Corpus annotate them ("low-dose");
    # generic uses ("optimal doses", "the dose of ketamine") are not surfaces here.
    ("DOSE", "low doses", None, ()),
    ("DOSE", "low dose", None, ()),
    ("DOSE", "low-dose", None, ()),
    ("DOSE", "relatively high doses", None, ()),
    ("DOSE", "small doses", None, ()),
    ("DOSE", "sub-anesthetic doses", None, ()),
    ("DOSE", "subanesthetic doses", None, ()),
    ("DOSE", "anesthetic doses", None, ()),
    # ROUTE: the route word.
    ("ROUTE", "orally", "oral", ()),
    ("ROUTE", "oral", "oral", ()),
    ("ROUTE", "sublingually", "sublingual", ()),
    ("ROUTE", "intravenously", "intravenous", ()),
    ("ROUTE", "intravenous", "intravenous", ()),
    ("ROUTE", "subcutaneously", "subcutaneous", ()),
    ("ROUTE", "epidural", "epidural", ()),
    ("ROUTE", "nasal", "nasal", ()),
    ("ROUTE", "infusions", "infusion", ()),
    ("ROUTE", "infusion", "infusion", ()),
    ("ROUTE", "infused", "infusion", ()),
    # FREQUENCY and DURATION (of giving the drug, not of the disease or of follow-up).
    ("FREQUENCY", "3 times per day", None, ()),
    ("DURATION", "100 hours", None, ()),
    ("DURATION", "30 minutes", None, ()),
    # STATISTIC: p-values with their label; percentages reported as results.
    ("STATISTIC", "P =.001", None, ()),
    ("STATISTIC", "P =.01", None, ()),
    ("STATISTIC", "P =.02", None, ()),
    ("STATISTIC", "P =.03", None, ()),
    ("STATISTIC", "P =.04", None, ()),
    ("STATISTIC", "40%", None, ()),
    ("STATISTIC", "60%", None, ()),
    ("STATISTIC", "70%", None, ()),
    ("STATISTIC", "92%", None, ()),
    ("STATISTIC", "19%", None, ()),
    ("STATISTIC", "46%", None, ()),
    # Participant counts (sample sizes) are reported results too (kind count in claimx).
    ("STATISTIC", "42 patients", None, ()),
    ("STATISTIC", "14 patients in each", None, ()),
    ("STATISTIC", "18 patients", None, ()),
    ("STATISTIC", "18 cases", None, ()),
    # CONDITION: diseases, symptoms, adverse effects; kind modifiers in, severity words out.
    ("CONDITION", "treatment-resistant chronic neuropathic pain", "neuropathic pain", ()),
    ("CONDITION", "chronic neuropathic pain", "chronic neuropathic pain", ()),
    ("CONDITION", "neuropathic chronic pain", "chronic neuropathic pain", ()),
    ("CONDITION", "refractory neuropathic pain", "neuropathic pain", ()),
    ("CONDITION", "neuropathic pain", "neuropathic pain", ()),
    # "to treat neuropathic." stands for neuropathic pain; the adjective elsewhere is not.
    ("CONDITION", "neuropathic", "neuropathic pain", ("neuropathic agents", "neuropathic and")),
    ("CONDITION", "chronic non-cancer pain", "chronic pain", ()),
    ("CONDITION", "chronic pain", "chronic pain", ()),
    ("CONDITION", "intractable pain", "intractable pain", ()),
    ("CONDITION", "cancer-related pain", "cancer pain", ()),
    ("CONDITION", "cancer pain", "cancer pain", ()),
    ("CONDITION", "Acute perioperative pain", "perioperative pain", ()),
    ("CONDITION", "perioperative pain", "perioperative pain", ()),
    ("CONDITION", "postoperative pain", "postoperative pain", ()),
    ("CONDITION", "post-operative pain", "postoperative pain", ()),
    ("CONDITION", "anticipatory pain", "anticipatory pain", ()),
    ("CONDITION", "spinal pain", "back pain", ()),
    ("CONDITION", "phantom and ischemic limb pain", None, ()),
    ("CONDITION", "phantom limb pain", "phantom limb pain", ()),
    ("CONDITION", "phantom pain", "phantom limb pain", ()),
    ("CONDITION", "temporomandibular pain", "temporomandibular joint disorder", ()),
    ("CONDITION", "TMJ", "temporomandibular joint disorder", ()),
    ("CONDITION", "orofacial pain", "facial pain", ()),
    ("CONDITION", "muscle pain", "myalgia", ()),
    ("CONDITION", "referred pain", "referred pain", ()),
    ("CONDITION", "burning or shooting pain", None, ()),
    ("CONDITION", "burning and shooting pain", None, ()),
    ("CONDITION", "complex regional pain syndromes", "complex regional pain syndrome", ()),
    ("CONDITION", "complex regional pain syndrome", "complex regional pain syndrome", ()),
    ("CONDITION", "chronic regional pain syndromes", "complex regional pain syndrome", ()),
    ("CONDITION", "CRPS", "complex regional pain syndrome", ()),
    ("CONDITION", "pain", "pain", (*PAIN_MACHINERY, *JOURNALS)),
    ("CONDITION", "fibromyalgia", "fibromyalgia", ()),
    ("CONDITION", "postherpetic neuralgia", "postherpetic neuralgia", ()),
    ("CONDITION", "trigeminal neuralgia", "trigeminal neuralgia", ()),
    ("CONDITION", "acute and chronic migraine", None, ()),
    ("CONDITION", "migraines", "migraine", ()),
    ("CONDITION", "migraine", "migraine", ()),
    ("CONDITION", "spinal cord injury", "spinal cord injury", ()),
    ("CONDITION", "allodynia", "allodynia", ()),
    ("CONDITION", "hyperalgesia", "hyperalgesia", ()),
    ("CONDITION", "sensory changes", "sensation disorders", ()),
    ("CONDITION", "somatosensory dysfunction", "somatosensory disorders", ()),
    ("CONDITION", "metabolic diseases", "metabolic diseases", ()),
    ("CONDITION", "trauma", "wounds and injuries", ()),
    ("CONDITION", "nausea", "nausea", ()),
    ("CONDITION", "vomiting", "vomiting", ()),
    ("CONDITION", "headaches", "headache", ()),
    ("CONDITION", "fatigue", "fatigue", ()),
    ("CONDITION", "dysphoria", "dysphoria", ()),
    ("CONDITION", "dizziness", "dizziness", ()),
    ("CONDITION", "hallucinations", "hallucinations", ()),
    ("CONDITION", "hallucination", "hallucinations", ()),
    ("CONDITION", "delirium", "delirium", ()),
    ("CONDITION", "somnolence", "somnolence", ()),
    ("CONDITION", "constipation", "constipation", ()),
    ("CONDITION", "depression", "depression", ()),
    ("CONDITION", "stress", "psychological stress", ()),
    ("CONDITION", "abuse", "substance abuse", ()),
    ("CONDITION", "dependency", "substance dependence", ()),
    ("CONDITION", "addiction", "substance addiction", ()),
    ("CONDITION", "death", "death", ()),
)


def occurrences(text: str, surface: str) -> list[tuple[int, int]]:
    """Case-insensitive occurrences of `surface` between non-word characters.

    A space in the surface also matches a no-break space (the seeds have `P\u00a0=.01`).
    """
    body = r"[ \u00a0]".join(re.escape(part) for part in surface.split(" "))
    pattern = re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE)
    return [m.span() for m in pattern.finditer(text)]


def contexts(text: str, phrase: str) -> list[tuple[int, int]]:
    """Case-insensitive occurrences of a skip context, as a plain substring."""
    return [m.span() for m in re.finditer(re.escape(phrase), text, re.IGNORECASE)]


def inside(span: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e in spans)


def annotate(text: str, used: set[tuple[str, str, str]]) -> list[dict]:
    """The entities of one text; records in `used` which (label, surface, skip) fired."""
    taken: dict[str, list[tuple[int, int]]] = {label: [] for label in LABELS}
    entities = []
    order = sorted(SURFACES, key=lambda row: -len(row[1]))
    for label, surface, norm, skips in order:
        skip_spans = {s: contexts(text, s) for s in skips}
        for span in occurrences(text, surface):
            if inside(span, taken[label]):
                continue  # part of a longer span of the same label
            hit = [s for s, spans in skip_spans.items() if inside(span, spans)]
            if hit:
                used.update((label, surface, s) for s in hit)
                continue
            overlap = [s for s in taken[label] if s[0] < span[1] and span[0] < s[1]]
            if overlap:
                raise SystemExit(f"{label} {surface!r} at {span} crosses {overlap}: fix SURFACES")
            taken[label].append(span)
            entities.append(
                {
                    "start": span[0],
                    "end": span[1],
                    "label": label,
                    "text": text[span[0] : span[1]],
                    "norm": norm,
                }
            )
    return sorted(entities, key=lambda e: (e["start"], e["end"], e["label"]))


def variants(surface: str) -> set[str]:
    """The surface and its naive plural or singular (to catch an unconsidered inflection)."""
    s = surface.casefold()
    return {s, s[:-1]} if s.endswith("s") and len(s) > 3 else {s, s + "s"}


def check(docs: list[dict]) -> list[str]:
    """Problems in a gold file: offsets, overlaps, occurrences neither annotated nor skipped."""
    problems = []
    skips = {(label, s.casefold()) for label, _, _, sk in SURFACES for s in sk}
    surfaces = {(e["label"], v) for d in docs for e in d["entities"] for v in variants(e["text"])}
    for doc in docs:
        text = doc["text"]
        if doc["labels"] != list(LABELS) or set(doc["label_scope"].values()) != {"exhaustive"}:
            problems.append(f"{doc['id']}: labels/label_scope must be all seven, exhaustive")
        by_label: dict[str, list[tuple[int, int]]] = {label: [] for label in LABELS}
        for e in doc["entities"]:
            if text[e["start"] : e["end"]] != e["text"]:
                problems.append(f"{doc['id']}: {e} does not match text[start:end]")
            if e["label"] not in LABELS:
                problems.append(f"{doc['id']}: unknown label {e['label']}")
            spans = by_label[e["label"]]
            if any(s < e["end"] and e["start"] < t for s, t in spans):
                problems.append(f"{doc['id']}: {e} overlaps another {e['label']} span")
            spans.append((e["start"], e["end"]))
        skip_spans_of = {
            label: [sp for lb, s in skips if lb == label for sp in contexts(text, s)]
            for label in LABELS
        }
        for label, surface in sorted(surfaces):
            skip_spans = skip_spans_of[label]
            for span in occurrences(text, surface):
                if not inside(span, by_label[label]) and not inside(span, skip_spans):
                    problems.append(
                        f"{doc['id']}: {label} {text[span[0] : span[1]]!r} at {span} is neither "
                        f"annotated nor skipped: ...{text[max(0, span[0] - 40) : span[1] + 40]}..."
                    )
    return problems


def main() -> int:
    if "--check" in sys.argv[1:]:
        with OUT.open(encoding="utf-8") as f:
            docs = [json.loads(line) for line in f if line.strip()]
        problems = check(docs)
        print("\n".join(problems) or f"{OUT.name}: {len(docs)} documents OK")
        return 1 if problems else 0
    used: set[tuple[str, str, str]] = set()
    docs = []
    for path in sorted(RAW.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as f:
            text = f.read()
        docs.append(
            {
                "id": path.stem,
                "source": "seeds",
                "text": text,
                "labels": list(LABELS),
                "label_scope": {label: "exhaustive" for label in LABELS},
                "entities": annotate(text, used),
            }
        )
    stale = [
        (label, surface, s)
        for label, surface, _, skips in SURFACES
        for s in skips
        if (label, surface, s) not in used
    ]
    unused = [row[:2] for row in SURFACES if not any(occurrences(d["text"], row[1]) for d in docs)]
    problems = check(docs)
    problems += [f"skip context never used: {s}" for s in stale]
    problems += [f"surface found in no seed: {s}" for s in unused]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        for doc in docs:
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    for doc in docs:
        counts = {label: sum(e["label"] == label for e in doc["entities"]) for label in LABELS}
        print(doc["id"], " ".join(f"{k}={v}" for k, v in counts.items()))
        if "-v" in sys.argv[1:]:
            for e in doc["entities"]:
                print(f"  {e['start']:5} {e['label']:10} {e['text']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
