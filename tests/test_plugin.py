"""The spaCy plugin: claimx's components load by name in anyone's pipeline, without importing
claimx (spaCy finds them through the spacy_factories entry points)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SCRIPT = """
import json, spacy
nlp = spacy.blank("en")
nlp.add_pipe("claimx_sentences")
nlp.add_pipe("{name}")
doc = nlp({text!r})
print(json.dumps([[f.label, doc.text[f.start:f.end], f.rule_id] for f in doc._.claimx_found]))
"""

CASES = [
    (
        "claimx_doses",
        "Ketamine 30 mg orally three times daily for 7 days.",
        [
            ("DOSE", "30 mg"),
            ("ROUTE", "orally"),
            ("FREQUENCY", "three times daily"),
            ("DURATION", "7 days"),
        ],
    ),
    (
        "claimx_statistics",
        "Pain fell by 40% (P =.02).",
        [("STATISTIC", "40%"), ("STATISTIC", "P =.02")],
    ),
    (
        "claimx_lexicon",
        "Methadone relieved neuropathic pain.",
        [("DRUG", "Methadone"), ("CONDITION", "neuropathic pain")],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_component_loads_by_name_in_a_fresh_pipeline(name: str, text: str, expected) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(name=name, text=text)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    found = [(label, surface) for label, surface, _ in json.loads(proc.stdout)]
    assert found == expected
    assert all(rule for _, _, rule in json.loads(proc.stdout))
