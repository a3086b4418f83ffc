"""Build the spaCy pipeline: blank English + scispaCy's tokenizer and abbreviation detector,
claimx's sentence splitter, then the claimx recognizers fed from rules/."""

from __future__ import annotations

import bisect
import re
import warnings
from pathlib import Path
from typing import Any

import numpy
from spacy.attrs import IDX, IS_SPACE, LENGTH, ORTH, SENT_START, SPACY
from spacy.language import Language
from spacy.util import registry

from claimx.errors import ClaimxError
from claimx.recognize.base import SPAN_GROUP_KEY, doc_text
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
# The lexical attributes (spacy.attrs) that claimx's components and scispaCy's abbreviation
# detector read from tokens: split_sentences reads IS_SPACE; the rest read token text.
LEXICAL_ATTRIBUTES_READ = frozenset({IS_SPACE})


def split_sentences(doc: Any) -> Any:
    """Mark sentence starts: after . ! ? (and the closing quotes or brackets glued to them)
    when the next word does not start in lower case; after a blank line; and after a single
    line break when the next line starts in upper case.

    Line breaks matter because headings and list items in web text and abstracts carry no
    final period ("Pain Free, No Side Effects" above a paragraph), while hard-wrapped text
    continues a sentence on a line that starts in lower case.

    Only the tokens that can end a sentence (found with array operations) and the few after
    each are visited in Python: Token objects are slow to make, and setting tok.is_sent_start
    one token at a time makes spaCy rescan the Doc each time.
    """
    n = len(doc)
    if n == 0:
        return doc
    arr = doc.to_array([IDX, LENGTH, SPACY, IS_SPACE, ORTH])
    text = doc_text(doc)
    strings = doc.vocab.strings
    orth, is_space = arr[:-1, 4], arr[:, 3] != 0
    ends = is_space[:-1].copy()
    for mark in SENTENCE_END:
        ends |= orth == strings.add(mark)
    triggers = ends.nonzero()[0].tolist()
    # Plain lists: indexing numpy arrays one item at a time is slow.
    starts, lengths = arr[:, 0].tolist(), arr[:, 1].tolist()
    spacy_ws, spaces = arr[:, 2].tolist(), is_space.tolist()
    flags = numpy.full(n, -1, dtype="int64")
    flags[0] = 1

    def tok(i: int) -> str:
        return text[starts[i] : starts[i] + lengths[i]]

    def glued(i: int) -> bool:
        return not spacy_ws[i]

    done = 0  # tokens before this index are settled
    for t in triggers:
        if t + 1 <= done:
            continue
        ttext = tok(t)
        forced = False
        if spaces[t]:
            if "\n" not in ttext:
                continue
            forced = ttext.count("\n") > 1
        elif t >= 1 and glued(t - 1) and _non_final(tok(t - 1)):
            continue
        i = t + 1
        while i < n:
            word = tok(i)
            if spaces[i]:
                if "\n" in word:
                    forced = forced or word.count("\n") > 1
                i += 1
                continue
            if word in CLOSERS and glued(i - 1) and not spaces[i - 1]:
                i += 1
                continue
            if forced or not word[0].islower():
                flags[i] = 1
            break
        done = i
    doc.from_array([SENT_START], flags.astype("uint64"))
    return doc


def _non_final(text: str) -> bool:
    """True when a period follows an abbreviation such as "i.v" or "et al"."""
    return text.lower() in NON_FINAL or DOTTED_ABBREVIATION.fullmatch(text) is not None


SCISPACY_TOKENIZER = "claimx.scispacy_tokenizer.v1"


@registry.tokenizers(SCISPACY_TOKENIZER)
def make_scispacy_tokenizer() -> Any:
    """scispaCy's rule-based biomedical tokenizer, as a spaCy tokenizer factory."""

    def build(nlp: Any) -> Any:
        from types import SimpleNamespace

        from scispacy.custom_tokenizer import combined_rule_tokenizer

        # combined_rule_tokenizer reads the language's defaults, its vocab, and the token_match
        # of the tokenizer it replaces, which is the language default's.
        default = SimpleNamespace(token_match=nlp.Defaults.token_match)
        lang = SimpleNamespace(Defaults=nlp.Defaults, vocab=nlp.vocab, tokenizer=default)
        with warnings.catch_warnings():
            # scispaCy's character classes trip a FutureWarning in Python's re; not ours to fix.
            warnings.simplefilter("ignore", FutureWarning)
            return combined_rule_tokenizer(lang)

    return build


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
    rules: str | Path | None = None,
    model: str | None = None,
    span_group: bool = True,
    lexical_attributes: bool = True,
) -> Any:
    """The claimx pipeline; `model` loads an installed spaCy model instead of the blank one.

    `span_group`: mirror the mentions as spans in doc.spans["claimx"] (for spaCy users;
    claimx's own tables do not need them). `lexical_attributes`: see base_nlp.
    """
    # Import the recognizer modules so their factories are registered even without the
    # package's entry points (e.g. when running from a source tree).
    import claimx.recognize.lexicon  # noqa: F401
    import claimx.recognize.regimen  # noqa: F401
    import claimx.recognize.stats  # noqa: F401

    folder = str(rules_dir(rules))
    nlp = base_nlp(model, span_group, lexical_attributes)
    for name in RECOGNIZERS:
        nlp.add_pipe(name, config={"rules": folder})
    return nlp


def base_nlp(
    model: str | None = None, span_group: bool = True, lexical_attributes: bool = True
) -> Any:
    """The pipeline before claimx's recognizers: tokenizer, sentences, abbreviations.

    `lexical_attributes=False` (blank pipeline only; a trained model uses them as features):
    compute only the lexical attributes claimx reads (is_space) for each word new to the
    vocabulary, not spaCy's other twenty (is_alpha, like_num, shape, prefix, ...). Real text
    brings new words all the time, and computing them was a quarter of the tokenizer's time.
    For pipelines whose Docs never leave claimx, such as the one behind its tables.
    """
    import spacy
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers the factory)

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
        # scispaCy's tokenizer straight away: spacy.blank would first build English's default
        # tokenizer (thousands of special cases, a fifth of the start-up) only to drop it.
        nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": SCISPACY_TOKENIZER}}})
        nlp.add_pipe("claimx_sentences")
        if not lexical_attributes:
            vocab: Any = nlp.vocab  # lex_attr_getters is missing from spaCy's type stubs
            getters = vocab.lex_attr_getters  # this vocab's own dict: replaced, not edited
            vocab.lex_attr_getters = {
                k: v for k, v in getters.items() if k in LEXICAL_ATTRIBUTES_READ
            }
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
    return nlp
