"""claimx's sentence splitter over scispaCy's tokenizer."""

from __future__ import annotations

import pytest

from claimx.pipeline import split_sentences


@pytest.fixture(scope="module")
def tokenizer_nlp():
    import warnings

    import spacy
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    return nlp


CASES = [
    ("Ketamine works. Methadone too.", ["Ketamine works.", "Methadone too."]),
    (
        "It was given i.v. Ketamine was then stopped.",
        ["It was given i.v. Ketamine was then stopped."],
    ),
    ('He said, "it helps." Then it ended.', ['He said, "it helps."', "Then it ended."]),
    (
        "Pain Free, No Side Effects\n\nThe investigators work.",
        ["Pain Free, No Side Effects", "The investigators work."],
    ),
    ("the dose was\nincreased slowly.", ["the dose was\nincreased slowly."]),
    (
        "Ketamine vs. Opioids\nFor patients, it helps.",
        ["Ketamine vs. Opioids", "For patients, it helps."],
    ),
    (
        "Smith et al. reported it. P =.03 was seen.",
        ["Smith et al. reported it.", "P =.03 was seen."],
    ),
    ("Doses (e.g. 30 mg) were used.", ["Doses (e.g. 30 mg) were used."]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    CASES,
    ids=[
        "two",
        "iv-abbrev",
        "closing-quote",
        "heading",
        "hard-wrap",
        "heading-single-newline",
        "et-al",
        "eg",
    ],
)
def test_split_sentences(tokenizer_nlp, text: str, expected: list[str]) -> None:
    doc = split_sentences(tokenizer_nlp(text))
    assert [s.text.strip() for s in doc.sents if s.text.strip()] == expected
