#!/usr/bin/env python3
"""Build data/gold/claims.jsonl: the claims a careful reader finds in the seed texts.

Each row below was written by reading the seeds against data/gold/README.md ("claims.jsonl
format"). Only sentences that name at least one drug carry a claim here (no resolution of "it",
"these two", "the 3 treatments" across sentences). The script finds each sentence in its seed,
checks it occurs exactly once, and writes its offset as sent_start.

  python data/gold/build_claims.py           # write claims.jsonl
  python data/gold/build_claims.py --check   # verify the committed claims.jsonl only
Standard library only.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from claimx import records

HERE = Path(__file__).resolve().parent
RAW = HERE.parent / "raw"
OUT = HERE / "claims.jsonl"
DIRECTIONS = frozenset(records.DIRECTIONS)
CERTAINTIES = frozenset(records.CERTAINTIES)
EVIDENCE = frozenset(records.EVIDENCE_TYPES)

D0, D1, D2, D3, D4 = (
    "000_59967498bf88ecbd",
    "001_c30eaf50ce6f0a17",
    "002_ba96b2c0e46765dd",
    "003_a4bf6f2e389cc550",
    "004_bf159b56f4ced439",
)

# (doc_id, sentence, drugs, comparators, conditions, direction, negated, certainty, evidence)
# Evidence: the sentence's own cue first, else the document's design: 000 (news report of a
# study whose design the text does not give), 001 and 003 (web articles) -> unspecified;
# 002 (news report of one RCT) -> rct; 004 (a review article) -> review.
# A data table: one claim per block reads better than one value per line.
# fmt: off
CLAIMS: tuple[tuple[str, str, list, list, list, str, bool, str, str], ...] = (
    (D0, "Low doses of the hormone oxytocin along with the anesthetic ketamine may provide a "
     "unique and effective therapeutic approach to some patients with severe intractable pain.",
     ["oxytocin", "ketamine"], [], ["severe intractable pain"],
     "benefit", False, "hedged", "unspecified"),
    (D0, "Both oxytocin and ketamine provide analgesia by mechanisms other than stimulating "
     "opioid receptors.",
     ["oxytocin", "ketamine"], [], ["analgesia"], "benefit", False, "asserted", "unspecified"),
    (D0, "In addition to relieving pain, oxytocin lowers serum cortisol and can produce a calming "
     "effect and improve mood.",
     ["oxytocin"], [], ["pain", "mood"], "benefit", False, "asserted", "unspecified"),
    (D0, "Oxytocin can block \"anticipatory pain,\" added Dr Pedersen.",
     ["oxytocin"], [], ["anticipatory pain"], "benefit", False, "asserted", "expert_opinion"),
    (D0, "However, when they take oxytocin, \"they may actually get a lot of relief since they "
     "are no longer having that anticipation.\"",
     ["oxytocin"], [], ["relief"], "benefit", False, "hedged", "expert_opinion"),
    (D0, "There has been a resurgence of interest in ketamine as a possible therapy for chronic "
     "pain conditions, including neuropathic pain, complex regional pain syndrome, "
     "fibromyalgia, postherpetic neuralgia, migraines, and spinal cord injury.",
     ["ketamine"], [],
     ["chronic pain", "neuropathic pain", "complex regional pain syndrome", "fibromyalgia",
      "postherpetic neuralgia", "migraines", "spinal cord injury"],
     "benefit", False, "hedged", "unspecified"),
    (D0, "At relatively high doses, ketamine has significant psychomimetic and euphoric "
     "properties that have led to abuse.",
     ["ketamine"], [], ["abuse"], "harm", False, "asserted", "unspecified"),
    (D0, "While the use of oxytocin as an analgesic is supported by basic science.",
     ["oxytocin"], [], [], "benefit", False, "asserted", "preclinical"),
    (D0, "He concludes that Adding ketamine \"dampens enthusiasm\" for this therapeutic approach "
     "because of concerns about dependency and side effects.",
     ["ketamine"], [], ["dependency", "side effects"], "harm", False, "asserted",
     "expert_opinion"),
    (D0, "Adverse effects of ketamine can include nausea, headaches, fatigue, and dysphoria.",
     ["ketamine"], [], ["nausea", "headaches", "fatigue", "dysphoria"],
     "harm", False, "asserted", "unspecified"),
    (D1, "Ketamine has shown promise as a treatment for chronic pain that can reduce the use of "
     "opioids and provide long-term benefits for patients.",
     ["ketamine"], [], ["chronic pain", "use of opioids"], "benefit", False, "hedged",
     "unspecified"),
    (D1, "Ketamine produces strong analgesia for neuropathic pain patients.",
     ["ketamine"], [], ["neuropathic pain"], "benefit", False, "asserted", "unspecified"),
    (D1, "It is thought that ketamine halts the excessive amplification of pain signals by "
     "inhibiting these pain receptors.",
     ["ketamine"], [], ["pain signals"], "benefit", False, "hedged", "unspecified"),
    (D1, "It is possible ketamine can treat chronic pain by interacting with other receptor "
     "systems as well but these interactions are not as well understood yet.",
     ["ketamine"], [], ["chronic pain"], "benefit", False, "hedged", "unspecified"),
    (D1, "It is known that ketamine is effective for reducing neuropathic pain but the key is to "
     "find the exact dosage and length of treatment to produce the longest-lasting results.",
     ["ketamine"], [], ["neuropathic pain"], "benefit", False, "strong", "unspecified"),
    (D1, "Doctors prescribe benzodiazepines to help reduce the psychotropic effects of ketamine.",
     ["benzodiazepines"], [], ["psychotropic effects"], "benefit", False, "asserted",
     "unspecified"),
    (D1, "For patients who are taking opioid medications to manage their pain, ketamine may be an "
     "alternative that helps reduce opioid usage.",
     ["ketamine"], ["opioids"], ["opioid usage"], "benefit", False, "hedged", "unspecified"),
    (D1, "Ketamine is also more effective than opioids at treating neuropathic pain.",
     ["ketamine"], ["opioids"], ["neuropathic pain"], "superior", False, "asserted",
     "unspecified"),
    (D1, "For patients with certain types of pain, ketamine can work synergistically with opioids "
     "to treat multiple components of chronic pain.",
     ["ketamine", "opioids"], [], ["chronic pain"], "benefit", False, "asserted", "unspecified"),
    (D1, "For other types of pain like that associated with fibromyalgia, opioids may not be "
     "effective at all or may even make the condition worse.",
     ["opioids"], [], ["fibromyalgia"], "benefit", True, "hedged", "unspecified"),
    (D1, "However ketamine alone has been shown to be an effective treatment for fibromyalgia.",
     ["ketamine"], [], ["fibromyalgia"], "benefit", False, "asserted", "unspecified"),
    (D1, "The addictive potential of ketamine is far less than an opioid medication.",
     ["ketamine"], ["opioids"], ["addictive potential"], "superior", False, "asserted",
     "unspecified"),
    (D1, "This means that just one medication alone like ketamine is usually not as effective as "
     "medication used in combination or combined with other therapies.",
     ["ketamine"], ["combination therapy"], [], "inferior", True, "asserted",
     "unspecified"),
    (D1, "Ketamine is FDA approved as a nasal spray for managing depression.",
     ["ketamine"], [], ["depression"], "benefit", False, "asserted", "unspecified"),
    (D1, "Another treatment being studied for chronic pain, which has shown benefits for patients "
     "with fibromyalgia, is low dose naltrexone.",
     ["naltrexone"], [], ["fibromyalgia"], "benefit", False, "asserted", "unspecified"),
    (D2, "A randomized controlled trial investigating treatments for chronic neuropathic pain "
     "revealed that a ketamine regimen is superior to methadone, or ketamine combined with "
     "methadone, in alleviating neuropathic pain and associated sensory changes.1",
     ["ketamine"], ["methadone", "methadone/ketamine"], ["neuropathic pain", "sensory changes"],
     "superior", False, "asserted", "rct"),
    (D2, "The µ-opioid receptor agonist methadone and the NMDA receptor antagonist ketamine thus "
     "may represent therapeutic targets to treat neuropathic.",
     ["methadone", "ketamine"], [], ["neuropathic"], "benefit", False, "hedged", "rct"),
    (D2, "The adverse effects associated with these drugs (eg, hallucination, delirium for "
     "ketamine, somnolence, vomiting for methadone), however, preclude their use as first-line "
     "treatment.3,4",
     ["ketamine", "methadone"], [], ["hallucination", "delirium", "somnolence", "vomiting"],
     "harm", False, "asserted", "rct"),
    (D2, "In a previous study, the authors of the current analysis showed that a combination of "
     "oral methadone and ketamine was effective in alleviating refractory neuropathic pain with "
     "minimal adverse effects.5",
     ["methadone", "ketamine"], [], ["refractory neuropathic pain"], "benefit", False,
     "asserted", "case_series"),
    (D2, "In addition, the 3 treatments showed similar efficacy in reducing the occurrence of "
     "burning and shooting pain (methadone, P =.01 for both; ketamine, P =.03 and "
     "P =.01, respectively; methadone/ketamine, P =.02 and P =.04, "
     "respectively).",
     ["methadone", "ketamine"], [], ["burning and shooting pain"], "no_difference", False,
     "asserted", "rct"),
    (D2, "However, the ketamine-only treatment was the only effective one in reducing the "
     "incidence of allodynia (P =.02).",
     ["ketamine"], [], ["allodynia"], "benefit", False, "asserted", "rct"),
    (D2, "Adverse effects (ie, nausea, vomiting, dizziness, hallucinations, constipation, and "
     "migraine) had similar incidence across treatments, with the exception of somnolence, which "
     "occurred more often in the methadone cohort (92%) than in the ketamine (19%) or "
     "methadone/ketamine (46%) treatment groups (P =.001).",
     ["methadone"], ["ketamine", "methadone/ketamine"], ["somnolence"], "harm", False,
     "asserted", "rct"),
    (D2, "The researchers concluded that \u201cCollectively, these findings showed that "
     "methadone/ketamine was not better than methadone or ketamine for improving refractory "
     "neuropathic pain.",
     ["methadone", "ketamine"], ["methadone", "ketamine"], ["refractory neuropathic pain"],
     "no_difference", True, "asserted", "rct"),
    (D2, "However, ketamine was more effective in reducing allodynia compared with methadone or "
     "methadone/ketamine.\u201d",
     ["ketamine"], ["methadone", "methadone/ketamine"], ["allodynia"], "superior", False,
     "asserted", "rct"),
    (D3, "The answer for tough to treat pain might be a ketamine infusion.",
     ["ketamine"], [], ["pain"], "benefit", False, "hedged", "unspecified"),
    (D3, "The first successful report of ketamine used to treat a person with CRPS came from "
     "Japan in 1995.",
     ["ketamine"], [], ["CRPS"], "benefit", False, "asserted", "case_report"),
    (D3, "In 2009, a pivotal study showed that without a doubt, ketamine works.",
     ["ketamine"], [], [], "benefit", False, "strong", "unspecified"),
    (D3, "Used in anesthetic doses in the operating room or intensive care unit, infused ketamine "
     "reduces post-operative pain and analgesic consumption for various types of surgery.",
     ["ketamine"], [], ["post-operative pain", "analgesic consumption"], "benefit", False,
     "asserted", "unspecified"),
    (D3, "Used in sub-anesthetic doses within a hospital setting, a series of ketamine infusions "
     "has been shown to stop intractable pain.",
     ["ketamine"], [], ["intractable pain"], "benefit", False, "asserted", "unspecified"),
    (D4, "Currently, ketamine is used in subanesthetic doses along with opioids to treat cancer "
     "pain, especially when opioids alone are ineffective in alleviating pain.",
     ["ketamine", "opioids"], [], ["cancer pain"], "benefit", False, "asserted", "review"),
    (D4, "A Cochrane review evaluating the use of ketamine in the management of cancer pain "
     "identified seven randomized control trials (RCTs) and 32 case reports or case series Only "
     "two RCTs were included in their analyses that showed an improvement in cancer-related pain "
     "when used along with morphine.",
     ["ketamine", "morphine"], [], ["cancer-related pain"], "benefit", False, "asserted",
     "systematic_review"),
    (D4, "Of the 32 case reports that were included in the same review, most showed an "
     "improvement in pain control when ketamine was used along with morphine.",
     ["ketamine", "morphine"], [], ["pain"], "benefit", False, "asserted", "case_report"),
    (D4, "Ketamine has been successfully used to treat different forms of chronic pain, including "
     "the treatment of chronic neuropathic pain, phantom and ischemic limb pain, postherpetic "
     "neuralgia, orofacial pain including trigeminal neuralgia, fibromyalgia, and chronic "
     "regional pain syndromes.",
     ["ketamine"], [],
     ["chronic pain", "chronic neuropathic pain", "phantom and ischemic limb pain",
      "postherpetic neuralgia", "orofacial pain", "trigeminal neuralgia", "fibromyalgia",
      "chronic regional pain syndromes"],
     "benefit", False, "asserted", "review"),
    (D4, "Patients with complex regional pain syndromes who were administered low-dose ketamine "
     "infusions exhibited an improvement in pain scores for weeks following the treatment.",
     ["ketamine"], [], ["complex regional pain syndromes", "pain"], "benefit", False,
     "asserted", "review"),
    (D4, "Following administration of ketamine through an epidural catheter, one case study "
     "describes pain relief in a patient suffering from complex regional pain syndrome that was "
     "refractory to other treatments.",
     ["ketamine"], [], ["pain", "complex regional pain syndrome"], "benefit", False,
     "asserted", "case_report"),
    (D4, "In patients with fibromyalgia, ketamine increased tolerance to pain, decreased pain at "
     "tender points, and reduced muscle pain and referred pain.",
     ["ketamine"], [], ["fibromyalgia", "pain", "muscle pain", "referred pain"], "benefit",
     False, "asserted", "review"),
    (D4, "Current data suggest that instead of acting as a traditional analgesic, ketamine may "
     "more effectively reduce symptoms of allodynia and hyperalgesia.",
     ["ketamine"], [], ["allodynia", "hyperalgesia"], "benefit", False, "hedged", "review"),
    (D4, "Low doses of ketamine may have either synergistic or additive analgesic effects when "
     "used in combination with opioids for postoperative pain.",
     ["ketamine", "opioids"], [], ["postoperative pain"], "benefit", False, "hedged", "review"),
    (D4, "Ketamine is an effective adjuvant, particularly for upper abdominal, thoracic, and "
     "major orthopedic surgeries.",
     ["ketamine"], [], [], "benefit", False, "asserted", "review"),
    (D4, "This combination of morphine-ketamine PCA was found to provide superior analgesia and "
     "decrease the requirement of morphine with no increase in the incidence of hallucinations "
     "or psychological side effects.",
     ["morphine", "ketamine"], [], ["analgesia", "hallucinations"], "benefit", False,
     "asserted", "review"),
)

# fmt: on

KEYS = (
    "doc_id",
    "sentence",
    "drugs",
    "comparators",
    "conditions",
    "direction",
    "negated",
    "certainty",
    "evidence",
)


def build() -> tuple[list[dict], list[str]]:
    """The claims with their offsets, and any problems found on the way."""
    texts = {}
    for path in sorted(RAW.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as f:
            texts[path.stem] = f.read()
    rows, problems = [], []
    for claim in CLAIMS:
        row = dict(zip(KEYS, claim, strict=True))
        text = texts[row["doc_id"]]
        # Written with plain spaces; the seeds use no-break spaces in places, so the exact
        # sentence is taken from the text.
        pattern = re.compile(r"[ \u00a0]".join(re.escape(w) for w in row["sentence"].split(" ")))
        found = list(pattern.finditer(text))
        if len(found) != 1:
            problems.append(
                f"{row['doc_id']}: sentence found {len(found)} times: {row['sentence']}"
            )
            continue
        row = {**row, "sentence": found[0].group(), "sent_start": found[0].start()}
        problems += validate(row, text)
        rows.append({k: row[k] for k in ("doc_id", "sentence", "sent_start", *KEYS[2:])})
    return rows, problems


def validate(row: dict, text: str) -> list[str]:
    """Problems of one claim row against its document text."""
    where = f"{row['doc_id']}:{row['sent_start']}"
    out = []
    s = row["sent_start"]
    if text[s : s + len(row["sentence"])] != row["sentence"]:
        out.append(f"{where}: sentence does not match text[sent_start:]")
    if not row["drugs"]:
        out.append(f"{where}: a claim needs at least one drug")
    for key, allowed in (
        ("direction", DIRECTIONS),
        ("certainty", CERTAINTIES),
        ("evidence", EVIDENCE),
    ):
        if row[key] not in allowed:
            out.append(f"{where}: {key} {row[key]!r} not allowed")
    low = row["sentence"].casefold()
    for drug in row["drugs"]:
        # Every drug must be named in the sentence (by name or its singular/class word).
        if drug.casefold().rstrip("s") not in low:
            out.append(f"{where}: drug {drug!r} is not named in the sentence")
    for condition in row["conditions"]:
        if condition.casefold() not in low:
            out.append(f"{where}: condition {condition!r} is not written in the sentence")
    return out


def main() -> int:
    rows, problems = build()
    if "--check" in sys.argv[1:]:
        with OUT.open(encoding="utf-8") as f:
            committed = [json.loads(line) for line in f if line.strip()]
        if committed != rows:
            problems.append(f"{OUT.name} differs from build_claims.py; rebuild it")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if "--check" not in sys.argv[1:]:
        with OUT.open("w", encoding="utf-8", newline="\n") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT.name}: {len(rows)} claims OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
