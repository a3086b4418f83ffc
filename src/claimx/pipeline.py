"""Build the spaCy pipeline: blank English + scispaCy's tokenizer and abbreviation detector,
claimx's sentence splitter, then the claimx recognizers fed from rules/."""

from __future__ import annotations

import bisect
import re
import warnings
from pathlib import Path
from typing import Any

from spacy.language import Language

from claimx.errors import ClaimxError
from claimx.rules import rules_dir

# Tokens that end a sentence, and closing marks that stay with the sentence they close.
SENTENCE_END = frozenset({".", "!", "?", "…"})
CLOSERS = frozenset({'"', "'", "”", "’", ")", "]", "»"})
# Words whose period the tokenizer splits off but which rarely end a sentence
# ("given i.v. Ketamine", "Smith et al. Methods"); matched case-insensitively.
NON_FINAL = frozenset(
    {
        "vs",
        "al",
        "approx",
        "ca",
        "fig",
        "figs",
        "no",
        "nos",
        "dr",
        "drs",
        "mr",
        "mrs",
        "ms",
        "prof",
        "st",
        "resp",
        "ref",
        "refs",
        "eq",
        "eqs",
        "etc",
    }
)
DOTTED_ABBREVIATION = re.compile(r"[A-Za-z](?:\.[A-Za-z]){1,3}")
RECOGNIZERS = ("claimx_lexicon", "claimx_doses", "claimx_statistics")


def split_sentences(doc: Any) -> Any:
    """Mark sentence starts: after . ! ? (and the closing quotes or brackets glued to them)
    when the next word does not start in lower case; after a blank line; and after a single
    line break when the next line starts in upper case.

    Line breaks matter because headings and list items in web text and abstracts carry no
    final period ("Pain Free, No Side Effects" above a paragraph), while hard-wrapped text
    continues a sentence on a line that starts in lower case.
    """
    import numpy
    from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START, SPACY

    from claimx.recognize.base import doc_text

    n = len(doc)
    if n == 0:
        return doc
    # Read the tokens as one array and write all flags in one call: Token objects are slow to
    # make, and setting tok.is_sent_start one token at a time makes spaCy rescan the Doc each
    # time (quadratic in its length).
    arr = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE]).tolist()
    text = doc_text(doc)
    texts = [text[i : i + k] for i, k, _, _ in arr]
    glued = [not sp for _, _, sp, _ in arr]
    space = [bool(isp) for _, _, _, isp in arr]
    flags = [-1] * n  # 1 starts a sentence, -1 does not
    flags[0] = 1
    pending = False  # a sentence end was seen; the next word may start a sentence
    forced = False  # a blank line was seen: the next word starts a sentence whatever its case
    for i in range(1, n):
        ptext = texts[i - 1]
        if space[i - 1] and "\n" in ptext:
            pending = True
            forced = forced or ptext.count("\n") > 1
        elif ptext in SENTENCE_END and not (i >= 2 and glued[i - 2] and _non_final(texts[i - 2])):
            pending = True
        if space[i] or not pending:
            continue
        text = texts[i]
        if text in CLOSERS and glued[i - 1] and not space[i - 1]:
            continue  # '."' or '.)': the closer stays with its sentence
        if forced or not text[0].islower():
            flags[i] = 1
        pending = forced = False
    doc.from_array([SENT_START], numpy.asarray(flags, dtype="int64").astype("uint64"))
    return doc


def _non_final(text: str) -> bool:
    """True when a period follows an abbreviation such as "i.v" or "et al"."""
    return text.lower() in NON_FINAL or DOTTED_ABBREVIATION.fullmatch(text) is not None


class TextKeepingTokenizer:
    """The pipeline's tokenizer, keeping the text it was given on the Doc.

    spaCy rebuilds `doc.text` from every token on each access (a tenth of claimx's run time
    when each component asked for it); every claimx component reads it through
    `recognize.base.doc_text`, which finds it here.
    """

    def __init__(self, tokenizer: Any, span_group: bool = True) -> None:
        self.tokenizer = tokenizer
        self.span_group = span_group

    def __call__(self, text: str) -> Any:
        from claimx.recognize.base import SPAN_GROUP_KEY

        doc = self.tokenizer(text)
        doc.user_data["claimx_text"] = text
        if not self.span_group:
            doc.user_data[SPAN_GROUP_KEY] = False
        return doc

    def __getattr__(self, name: str) -> Any:
        # pipe(), vocab, rules, to_bytes ... stay the wrapped tokenizer's.
        return getattr(self.tokenizer, name)


class BracketPairs:
    """What scispaCy's abbreviation detector asks its matcher for: every "(" token followed,
    1 to 8 tokens later, by a ")" token, as (match_id, start, end) in the order spaCy's Matcher
    gives them (by end, then the later start first), so the detector keeps the same
    abbreviations when two definitions collide.
    """

    MAX_INSIDE = 8  # scispaCy's filter_matches drops longer bracketed spans

    def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
        from spacy.attrs import ORTH

        from claimx.recognize.base import doc_text

        text = doc_text(doc)
        if "(" not in text or ")" not in text:
            return []
        strings = doc.vocab.strings
        orth = doc.to_array([ORTH])
        opens = (orth == strings["("]).nonzero()[0].tolist()
        closes = (orth == strings[")"]).nonzero()[0].tolist()
        pairs = []
        for i in opens:
            k = bisect.bisect_left(closes, i + 2)
            while k < len(closes) and closes[k] <= i + 1 + self.MAX_INSIDE:
                pairs.append((closes[k] + 1, -i))
                k += 1
        pairs.sort()
        return [(0, -negstart, end) for end, negstart in pairs]


class TokenSequences:
    """The part of spaCy's Matcher that scispaCy's abbreviation detector uses for its second
    pass: add(key, [[{"ORTH": ...}, ...]]), remove(key), and calling it on a Doc gives every
    occurrence of each exact token sequence as (key hash, start, end), by end and then by start,
    as the Matcher gives fixed-length patterns (keys in the order they were added)."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab
        self.patterns: dict[str, list[tuple[int, ...]]] = {}

    def add(self, key: str, patterns: list[list[dict[str, str]]]) -> None:
        strings = self.vocab.strings
        for pattern in patterns:
            if not pattern or any(set(token) != {"ORTH"} for token in pattern):
                raise ValueError(f"TokenSequences takes ORTH-only token patterns, not {pattern!r}")
            self.patterns.setdefault(key, []).append(
                tuple(strings.add(token["ORTH"]) for token in pattern)
            )

    def remove(self, key: str) -> None:
        del self.patterns[key]

    def __len__(self) -> int:
        return len(self.patterns)

    def __contains__(self, key: str) -> bool:
        return key in self.patterns

    def __call__(self, doc: Any) -> list[tuple[int, int, int]]:
        if not self.patterns:
            return []
        from spacy.attrs import ORTH

        orth = doc.to_array([ORTH])
        found = []
        for order, (key, sequences) in enumerate(self.patterns.items()):
            key_id = self.vocab.strings.add(key)
            for seq in sequences:
                n = len(seq)
                for i in (orth == seq[0]).nonzero()[0].tolist():
                    if i + n <= len(orth) and tuple(orth[i : i + n].tolist()) == seq:
                        found.append((i + n, i, order, key_id))
        found.sort()
        return [(key_id, start, end) for end, start, _, key_id in found]


@Language.factory("claimx_sentences")
def make_sentence_splitter(nlp: Any, name: str) -> Any:
    """claimx's sentence splitter as a pipeline component (see split_sentences)."""
    return split_sentences


def build_nlp(
    rules: str | Path | None = None, model: str | None = None, span_group: bool = True
) -> Any:
    """The claimx pipeline; `model` loads an installed spaCy model instead of the blank one.

    `span_group`: mirror the mentions as spans in doc.spans["claimx"] (for spaCy users;
    claimx's own tables do not need them).
    """
    import spacy
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    # Import the recognizer modules so their factories are registered even without the
    # package's entry points (e.g. when running from a source tree).
    import claimx.recognize.lexicon  # noqa: F401
    import claimx.recognize.regimen  # noqa: F401
    import claimx.recognize.stats  # noqa: F401

    folder = str(rules_dir(rules))
    if model:
        try:
            nlp = spacy.load(model, exclude=["ner", "lemmatizer"])
        except OSError:
            raise ClaimxError(
                f"spaCy model {model!r} is not installed; install it (e.g. pip install "
                f"{model}) or leave out --model to use the built-in rules pipeline"
            ) from None
        if not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
            nlp.add_pipe("claimx_sentences", first=True)
    else:
        nlp = spacy.blank("en")
        with warnings.catch_warnings():
            # scispaCy's character classes trip a FutureWarning in Python's re; not ours to fix.
            warnings.simplefilter("ignore", FutureWarning)
            nlp.tokenizer = combined_rule_tokenizer(nlp)
        nlp.add_pipe("claimx_sentences")
    # scispaCy's detector runs an empty matcher on texts without abbreviations, and spaCy warns
    # (W036) each time; the warning says nothing about the user's input.
    warnings.filterwarnings("ignore", message=r"\[W036\]", category=UserWarning)
    detector: Any = nlp.add_pipe("abbreviation_detector")
    # scispaCy matches every "(" ... ")" pair of a text with an unbounded token pattern, then
    # drops those longer than 8 tokens inside the brackets: quadratic on text dense in
    # brackets, and a sixth of claimx's run time on abstracts. BracketPairs finds the same
    # pairs, in the same order, from the token array.
    detector.matcher = BracketPairs()
    # Its second matcher finds each defined short form again across the document; one spaCy
    # Matcher pass per document cost more than all of claimx's dictionary matching.
    detector.global_matcher = TokenSequences(nlp.vocab)
    nlp.tokenizer = TextKeepingTokenizer(nlp.tokenizer, span_group)
    nlp.max_length = 2_000_000  # extract.py cuts texts into pieces far below this
    for name in RECOGNIZERS:
        nlp.add_pipe(name, config={"rules": folder})
    return nlp
