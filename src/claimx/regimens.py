"""Link each drug with the dose, route, frequency and duration that belong to it: regimen rows.

Works per sentence on the mentions (any labels; DRUG, DOSE, ROUTE, FREQUENCY and DURATION are
used), in four steps:

1. Doses written twice ("0.25 to 0.50 mL (12.5 to 25 mg)") become one dose group.
2. Each dose group finds its drug: apposition ("ketamine (30 mg)", "digoxin, 0.25 mg"),
   "30 mg of [liquid] ketamine", "30 mg ketamine", the drug earlier in the clause, or the one
   drug of the previous clause or sentence. A dose with no clear drug stays unlinked.
3. Routes, frequencies and durations attach to the drug they touch ("oral methadone",
   "ketamine infusion"); words before the first drug of a list are shared by the list ("all
   administered orally 3 times per day: methadone (3 mg), ketamine (30 mg)"); words after a
   drug belong to it (and to the drugs coordinated with it).
4. One row per drug mention and dose (or route, when a drug has several routes and one dose).
   Drugs joined as a combination ("methadone (3 mg)/ketamine (30 mg)", "X combined with Y")
   share one regimen_id: a combination is one regimen, one row per component drug.

Daily doses: a dose already per day ("30 to 1000 mg/day") gives daily_dose_low/high directly
(daily_dose_derived=False); a dose with a frequency ("3 mg, 3 times per day") gives dose x
frequency (9 mg/d, daily_dose_derived=True); "2300 mg in 3 days" gives dose / period (derived).
Nothing is derived where a part is missing.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from claimx.recognize.base import Mention
from claimx.records import RegimenRow

MODIFIERS = ("ROUTE", "FREQUENCY", "DURATION")
LINKED = frozenset({"DRUG", "DOSE", *MODIFIERS})

# Between a drug and its dose in apposition: "ketamine (30 mg)", "digoxin, 0.25 mg",
# "ketamine 30 mg", "ketamine at a dose of 30 mg", "ketamine: 30 mg".
_APPOSITION = re.compile(
    r"\s*[(\[,:]?\s*(?:(?:at|in|with)\s+(?:a\s+|an\s+)?(?:(?:total|daily|single|mean|median|"
    r"maximum|starting|initial|maintenance|loading|weekly|cumulative|fixed|oral|intravenous|"
    r"low|high)\s+){0,2}(?:doses?|dosages?|concentrations?|amounts?|rates?)\s+(?:of\s+)?|"
    r"(?:doses?|dosages?)\s*(?:of\s+|:\s*|=\s*)?)?[(\[]?\s*",
    re.IGNORECASE,
)
# Between a dose and the drug it names: "30 mg of ketamine", "12.5 to 25 mg) of liquid ketamine".
_DOSE_OF = re.compile(
    r"\s*(?:[)\]]\s*)?of\s+(?:(?:the|a|an|liquid|oral|intravenous|iv|a\s+\w+)\s+"
    r"|[\w-]+\s+){0,3}",
    re.IGNORECASE,
)
# Between a dose (or route) and the drug right after it: "30 mg ketamine", "low-dose
# methotrexate", "high-dose (HD) intravenous (IV) cytarabine", "oral-verapamil".
# (Words end at white space only, so no text splits two ways: linear time.)
_BEFORE_DRUG = re.compile(r"\s*-?\s*(?:(?:\([^()]{1,15}\)|[A-Za-z][\w-]*)\s+){0,3}")
_MAX_TIGHT = 60  # a longer gap is never "right before the drug"
# Between a drug and a route/frequency/duration that follows it: "ketamine infusion",
# "ketamine is administered via infusion", "ketamine through an epidural catheter",
# "hydroquinone cream", "Ketamine is FDA approved as a nasal spray".
_AFTER_DRUG = re.compile(
    r"\s*(?:\([^()]{0,40}\)\s*)?(?:(?:is|was|were|are|be|been|being|can|may|also|then|"
    r"administered|given|delivered|applied|used|approved|fda|as|a|an|the|via|through|by|in|"
    r"of|daily|dose|doses|dosed|taken|formulated|injected|infused)\s+){0,6}",
    re.IGNORECASE,
)
# Words that end a noun phrase: a gap containing them is not "right before the drug".
_STOP = frozenset(
    "and or with in for to was were is are than vs versus plus after before during from by on "
    "at but not no as that which who while when if compared between among".split()
)
# Drug-to-drug connectors that make a combination regimen.
_COMBINATION = re.compile(
    r"\s*(?:[/+\u2013-]|\bplus\b|\bcombined\s+with\b|\bin\s+combination\s+with\b|"
    r"\btogether\s+with\b|\balong\s+with\b|\bco-?administered\s+with\b)\s*(?:the\s+|a\s+)?"
    r"(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)
_COMBINATION_OF = re.compile(r"\bcombination\s+of\s+(?:[\w-]+\s+)?$", re.IGNORECASE)
# Between members of a list of drugs: ", ", " and ", ", or a ".
_LIST = re.compile(r"\s*(?:,\s*)?(?:(?:and|or|and/or|&)\s+)?(?:(?:a|an|the)\s+)?$", re.IGNORECASE)
_CLAUSE = re.compile(r"[;]|\.\s")
# A gap ending so starts a new noun phrase: "combining oxytocin with low-dose naltrexone".
_NEW_PHRASE = re.compile(
    r"\b(?:with|and|or|plus|versus|vs\.?|than|to|from|without|instead\s+of)\s*$", re.IGNORECASE
)
_MAX_BEFORE = 80  # characters between a drug and a dose that names it earlier in the clause
# A sentence that opens on the dose of a drug named before: "The dose was", "Doses of",
# "The daily dosage", "It was given at".
_ANAPHORA = re.compile(
    r"\W*(?:(?:the|its|this|each|a|their|his|her)\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:doses?|dosages?|dosing|drug|medication|regimen|it|they)\b",
    re.IGNORECASE,
)
_NONE: Mapping[str, Any] = MappingProxyType({})
_BY_OFFSETS = attrgetter("found.start", "found.end")
_GENERIC_ROUTES = frozenset({"parenteral", "systemic"})
_DOSE_PRIORITY = ("mass", "amount", "international_units", "units", "equivalents")


@dataclass
class _Dose:
    """One dose group: the doses that write one amount (the first `primary` holds the values)."""

    members: list[Mention]
    primary: Mention
    qualifiers: list[Mention] = field(default_factory=list)  # "low-dose" before "(60 mg/m2)"

    @property
    def start(self) -> int:
        return self.members[0].start

    @property
    def end(self) -> int:
        return self.members[-1].end


@dataclass
class _Drug:
    mention: Mention
    doses: list[_Dose] = field(default_factory=list)
    mods: dict[str, list[Mention]] = field(default_factory=dict)
    index: int = 0  # position among the drugs of its sentence

    def add(self, m: Mention) -> None:
        items = self.mods.setdefault(m.label, [])
        if m not in items:
            items.append(m)


class _Sentence:
    """The drugs of one sentence (disjoint, in text order) with bisect lookups."""

    def __init__(self, text: str, drugs: list[_Drug]) -> None:
        self.drugs = drugs
        self.starts = [d.mention.start for d in drugs]
        self.ends = [d.mention.end for d in drugs]
        for i, d in enumerate(drugs):
            d.index = i
        # one_name[i]: the drugs before index i all have one name
        self.one_name = [True]
        first: str | None = None
        for d in drugs:
            name = _name(text, d.mention)
            first = name if first is None else first
            self.one_name.append(self.one_name[-1] and name == first)

    def split(self, start: int, end: int) -> tuple[int, int]:
        """(number of drugs ending by `start`, index of the first drug starting at/after `end`)."""
        return bisect.bisect_right(self.ends, start), bisect.bisect_left(self.starts, end)

    def any_between(self, lo: int, hi: int) -> bool:
        """True when a drug starts in [lo, hi)."""
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.starts) and self.starts[i] < hi


def link_regimens(
    doc_id: str, text: str, sentences: list[tuple[int, int]], mentions: list[Mention]
) -> list[RegimenRow]:
    """Regimen rows of one document: each drug joined with its dose/route/frequency/duration."""
    linked = [m for m in mentions if m.found.label in LINKED]
    labels = {m.found.label for m in linked}
    if "DRUG" not in labels or labels == {"DRUG"}:
        return []  # a row is a drug with a dose or a modifier: some of each are needed
    by_sentence: dict[int, list[Mention]] = {}
    for m in sorted(linked, key=_BY_OFFSETS):  # stable: filtering first keeps the same order
        by_sentence.setdefault(m.sent_id, []).append(m)
    drugs: list[_Drug] = []
    previous: list[_Drug] = []
    for sent_id in sorted(by_sentence):
        items = by_sentence[sent_id]
        labels = {m.found.label for m in items}
        if "DRUG" not in labels and (
            "DOSE" not in labels or not previous or previous[0].mention.sent_id != sent_id - 1
        ):
            # Without a drug of its own, a sentence matters only when the sentence before it
            # named one and it has a dose for that drug (the anaphora case below).
            continue
        named = _aliases_dropped(text, _outer(m for m in items if m.label == "DRUG"))
        if "ROUTE" in labels:
            # "nasal spray" is a dosage form in a drug lexicon, a route here
            route_spans = _Spans([(m.start, m.end) for m in items if m.label == "ROUTE"])
            named = [m for m in named if not route_spans.covers(m.start, m.end)]
        sent_drugs = [_Drug(m) for m in named]
        if labels == {"DRUG"}:
            # Nothing to link here, but the next sentence's dose may be theirs (anaphora).
            drugs.extend(sent_drugs)
            previous = sent_drugs or previous
            continue
        doses = _dose_groups(text, [m for m in items if m.label == "DOSE"])
        sent = _Sentence(text, sent_drugs)
        unlinked = _link_doses(text, sent, doses, _sentence_start(sentences, sent_id))
        mods = [m for m in items if m.label in MODIFIERS]
        if sent_drugs:
            spans = _Spans(
                [(m.start, m.end) for m in items if m.label in MODIFIERS or m.label == "DOSE"]
            )
            _link_modifiers(text, sent, mods, spans)
        elif unlinked and previous and previous[0].mention.sent_id == sent_id - 1:
            # A sentence that names no drug and opens on its dose ("The dose was 30 mg."):
            # the one drug of the sentence before.
            names = {_name(text, d.mention) for d in previous if d.mention.sent_id == sent_id - 1}
            if len(names) == 1 and _ANAPHORA.match(text, _sentence_start(sentences, sent_id)):
                owner = [d for d in previous if d.mention.sent_id == sent_id - 1][-1]
                owner.doses.extend(unlinked)
                for m in mods:
                    owner.add(m)
        drugs.extend(sent_drugs)
        previous = sent_drugs or previous
    combos = _combinations(text, drugs)
    return _rows(doc_id, text, drugs, combos)


# ---- step 1: dose groups --------------------------------------------------------------------
def _dose_groups(text: str, doses: list[Mention]) -> list[_Dose]:
    groups: list[_Dose] = []
    for m in doses:
        if groups:
            last = groups[-1]
            gap = text[last.end : m.start]
            after = text[m.end : m.end + 3].lstrip()
            # "0.25 to 0.50 mL (12.5 to 25 mg)", "5 mg/kg [350 mg]", "30 mg (= 0.6 mL)"
            if (
                re.fullmatch(r"\s*[(\[]\s*(?:=|i\.e\.,?|ie,?|or|equivalent\s+to)?\s*", gap)
                and (after[:1] in (")", "]"))
                and _numeric(last.primary)
                and _numeric(m)
            ):
                last.members.append(m)
                if _rank(m) < _rank(last.primary):
                    last.primary = m
                continue
        groups.append(_Dose([m], m))
    return groups


def _numeric(m: Mention) -> bool:
    return m.found.data.get("low") is not None or m.found.data.get("high") is not None


def _strength(m: Mention) -> bool:
    """A percentage or a concentration (mg/mL): how strong, not how much."""
    dim = str(m.found.data.get("dimension") or "")
    return dim == "percent" or dim.endswith("/volume")


def _rank(m: Mention) -> int:
    dim = str(m.found.data.get("dimension") or "").split("/")[0]
    return _DOSE_PRIORITY.index(dim) if dim in _DOSE_PRIORITY else len(_DOSE_PRIORITY)


# ---- step 2: doses -> drugs -----------------------------------------------------------------
def _link_doses(text: str, sent: _Sentence, doses: list[_Dose], sent_start: int) -> list[_Dose]:
    """Attach each dose group to its drug; return the groups that found none."""
    unlinked = []
    for g in doses:
        owner = _dose_owner(text, sent, g, sent_start)
        if owner is None:
            unlinked.append(g)
        else:
            owner.doses.append(g)
    return unlinked


def _dose_owner(text: str, sent: _Sentence, g: _Dose, sent_start: int) -> _Drug | None:
    drugs = sent.drugs
    nb, na = sent.split(g.start, g.end)
    if nb < na:
        return drugs[nb]  # "low-dose naltrexone" known as one drug name
    before = drugs[:nb]
    after = drugs[na:]
    if before:
        # "ketamine (30 mg)": brackets bind the dose to the drug before them
        d = before[-1]
        gap = text[d.mention.end : g.start]
        if _APPOSITION.fullmatch(gap) and re.search(r"[(\[]", gap):
            return d
    if after:
        # "30 mg of liquid ketamine", "30 mg ketamine" (before "drug, 30 mg": "amphetamine,
        # 50 mg/kg DHEA" doses DHEA)
        d = after[0]
        gap = text[g.end : d.mention.start]
        if _DOSE_OF.fullmatch(gap) or _tight(gap):
            return d
    if before:
        d = before[-1]
        gap = text[d.mention.end : g.start]
        if _APPOSITION.fullmatch(gap):
            return d
        # The drug earlier in the same clause ("ketamine was given at 30 mg"), else the one
        # drug of the clause before ("methadone was started; the dose was 3 mg").
        if (
            len(gap) <= _MAX_BEFORE
            and not _CLAUSE.search(gap)
            and not _between_dose(gap)
            and not _NEW_PHRASE.search(gap)
        ):
            return d
        clauses = _CLAUSE.finditer(text, sent_start, g.start)
        clause_start = max((m.end() for m in clauses), default=sent_start)
        own = sent.any_between(clause_start, g.start)
        if not own and sent.one_name[nb] and len(gap) <= 2 * _MAX_BEFORE:
            return d
    return None


def _sentence_start(sentences: list[tuple[int, int]], sent_id: int) -> int:
    return sentences[sent_id][0] if 0 <= sent_id < len(sentences) else 0


def _between_dose(gap: str) -> bool:
    """A gap that holds a verb of comparison or another number is no apposition."""
    return bool(re.search(r"\b(?:than|versus|vs\.?|compared|whereas|while|but)\b", gap, re.I))


def _tight(gap: str) -> bool:
    """A short gap of modifiers only ("30 mg ketamine", "low-dose (HD) intravenous (IV) X")."""
    if len(gap) > _MAX_TIGHT:
        return False
    m = _BEFORE_DRUG.fullmatch(gap)
    if m is None:
        return False
    words = re.findall(r"[A-Za-z][\w-]*", re.sub(r"\([^()]*\)", " ", gap))
    return not any(w.lower() in _STOP for w in words)


# ---- step 3: routes, frequencies, durations -> drugs ------------------------------------------
def _link_modifiers(text: str, sent: _Sentence, mods: list[Mention], spans: _Spans) -> None:
    drugs = sent.drugs
    single = sent.one_name[len(drugs)]
    for m in mods:
        nb, na = sent.split(m.start, m.end)
        before = drugs[nb - 1 : nb] if nb else []  # the last drug before it (all that is used)
        after = drugs[na : na + 1]  # the first drug after it
        if nb < na:  # "ketamine infusion" recognized as one route span around the drug
            drugs[nb].add(m)
            continue
        if after and _prefix(text, m, after[0], spans):
            after[0].add(m)
            if m.label == "ROUTE":
                for d in _coordinated(text, drugs, after[0]):
                    if "ROUTE" not in d.mods:
                        d.add(m)
            continue
        if before and _AFTER_DRUG.fullmatch(_gap_after(text, before[-1], m, spans)):
            # "ketamine (0.5 mg/kg) and midazolam (0.05 mg/kg) were given intravenously"
            before[-1].add(m)
            for d in _coordinated(text, drugs, before[-1], backwards=True):
                if m.label not in d.mods:
                    d.add(m)
            continue
        if single:
            min(before + after, key=lambda d: _distance(d, m)).add(m)
            continue
        if not before:
            # Before the first drug: shared by the drugs of the clause after it.
            clause_end = _clause_end(text, m.end)
            for d in drugs[na:]:
                if d.mention.start >= clause_end:
                    break
                d.add(m)
            continue
        owner = before[-1]
        owner.add(m)
        for d in _coordinated(text, drugs, owner, backwards=True):
            if m.label not in d.mods:
                d.add(m)


def _gap_after(text: str, d: _Drug, m: Mention, spans: _Spans) -> str:
    """Text between a drug (and the doses right after it) and a mention after it, other
    regimen mentions left out."""
    end = d.mention.end
    for g in d.doses:
        if end <= g.start and g.end <= m.start and _APPOSITION.fullmatch(text[end : g.start]):
            end = g.end
            while end < len(text) and text[end] in ")]":
                end += 1
    return _without(text, end, m.start, spans)


def _prefix(text: str, m: Mention, d: _Drug, spans: _Spans) -> bool:
    """`m` right before drug `d`: "oral methadone", "intravenous (IV) cytarabine",
    "intrathecal injections of MTX", "weekly subcutaneous injections of interferon"
    (other regimen mentions in between are skipped)."""
    gap = _without(text, m.end, d.mention.start, spans)
    if _tight(gap):
        return True
    routed = m.label == "ROUTE" or len(gap) < d.mention.start - m.end
    return routed and _DOSE_OF.fullmatch(gap) is not None


def _without(text: str, start: int, end: int, spans: _Spans) -> str:
    """text[start:end] with the regimen mentions inside it replaced by a space."""
    out = []
    pos = start
    for s, e in spans.within(start, end):
        if s >= pos:
            out.append(text[pos:s])
            out.append(" ")
            pos = e
    out.append(text[pos:end])
    return "".join(out)


class _Spans:
    """Mention spans sorted by start, for lookups by bisect."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def within(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The spans that lie inside [start, end)."""
        i = bisect.bisect_left(self.starts, start)
        while i < len(self.spans) and self.spans[i][0] < end:
            if self.spans[i][1] <= end:
                yield self.spans[i]
            i += 1

    def covers(self, start: int, end: int) -> bool:
        """True when one span contains [start, end)."""
        i = bisect.bisect_right(self.starts, start)
        return any(s <= start and end <= e for s, e in self.spans[max(0, i - 8) : i])


def _coordinated(text: str, drugs: list[_Drug], d: _Drug, backwards: bool = False) -> list[_Drug]:
    """Drugs listed together with `d` ("methadone (3 mg) and ketamine (30 mg)"), in order."""
    out = []
    i = d.index
    step = -1 if backwards else 1
    j = i
    while 0 <= j + step < len(drugs):
        a, b = (drugs[j + step], drugs[j]) if backwards else (drugs[j], drugs[j + step])
        gap = _strip_doses(text, a, b)
        if not (_LIST.fullmatch(gap) or _COMBINATION.fullmatch(gap)):
            break
        out.append(drugs[j + step])
        j += step
    return out


def _strip_doses(text: str, a: _Drug, b: _Drug) -> str:
    """Text between drug a and drug b with a's own apposition doses removed."""
    end = a.mention.end
    for g in a.doses:
        if (
            end <= g.start
            and g.end <= b.mention.start
            and _APPOSITION.fullmatch(text[end : g.start])
        ):
            end = g.end
            while end < len(text) and text[end] in ")]":
                end += 1
    return text[end : b.mention.start]


def _clause_end(text: str, pos: int) -> int:
    m = re.compile(r";|\.\s|$").search(text, pos)
    return m.start() if m else len(text)


def _distance(d: _Drug, m: Mention) -> int:
    return m.start - d.mention.end if d.mention.end <= m.start else d.mention.start - m.end


# ---- step 4: rows ---------------------------------------------------------------------------
def _combinations(text: str, drugs: list[_Drug]) -> dict[int, int]:
    """Index of each drug -> index of the first drug of its combination (same sentence)."""
    head: dict[int, int] = {}
    for i in range(1, len(drugs)):
        a, b = drugs[i - 1], drugs[i]
        if a.mention.sent_id != b.mention.sent_id:
            continue
        gap = _strip_doses(text, a, b)
        start = max(0, a.mention.start - 40)
        joined = _COMBINATION.fullmatch(gap) or (
            _LIST.fullmatch(gap) and _COMBINATION_OF.search(text, start, a.mention.start)
        )
        if joined and _name(text, a.mention) != _name(text, b.mention):
            head[i] = head.get(i - 1, i - 1)
            head.setdefault(i - 1, i - 1)
    return head


def _components(drugs: list[_Drug], combos: dict[int, int]) -> dict[tuple[int, int], Any]:
    """Per-component amounts: "amoxicillin/clavulanate 875/125 mg" gives 875 mg to the first
    drug and 125 mg to the second. Keyed by (drug index, id of the dose group)."""
    groups: dict[int, list[int]] = {}
    for i, head in combos.items():
        groups.setdefault(head, []).append(i)
    out: dict[tuple[int, int], Any] = {}
    for members in groups.values():
        members.sort()
        for i in members:
            for g in list(drugs[i].doses):
                data = g.primary.found.data
                values = data.get("values") or ()
                if data.get("low") is not None or len(values) != len(members):
                    continue
                for j, value in zip(members, values, strict=True):
                    if g not in drugs[j].doses:
                        drugs[j].doses.append(g)
                    out[(j, id(g))] = MappingProxyType(
                        {**data, "low": value, "high": value, "values": None}
                    )
    return out


def _rows(doc_id: str, text: str, drugs: list[_Drug], combos: dict[int, int]) -> list[RegimenRow]:
    """One row per drug and dose (or route); ids r1, r2... in text order. The components of a
    combination, planned under one shared key, get one combination id (k1, k2...)."""
    plans: list[tuple[tuple[int, int], _Drug, _Dose | None, list[Mention], Any]] = []
    parts = _components(drugs, combos)
    for i, d in enumerate(drugs):
        if not d.doses and not d.mods:
            continue
        routes = _distinct_routes(d.mods.get("ROUTE", []))
        numeric = [g for g in d.doses if _numeric(g.primary)]
        amounts = [g for g in numeric if not _strength(g.primary)]
        if amounts:
            # "weekly low-dose paclitaxel (60 mg/m2)", "0.5% bupivacaine 20 mL": the words
            # and the strength qualify the amount
            for group in d.doses:
                if group not in amounts:
                    amounts[0].qualifiers.extend(group.members)
            numeric = amounts
        elif numeric:
            for group in d.doses:
                if group not in numeric:
                    numeric[0].qualifiers.extend(group.members)
        doses: list[_Dose | None] = list(numeric or d.doses) or [None]
        pairs: list[tuple[_Dose | None, list[Mention]]]
        if len(doses) == 1 and len(routes) > 1:
            pairs = [(doses[0], [r]) for r in routes]
        else:
            pairs = [(g, routes) for g in doses]
        for n, (g, rs) in enumerate(pairs):
            # Alternatives of one drug are separate regimens; the components of a
            # combination share their key.
            part = parts.get((i, id(g))) if g is not None else None
            plans.append(((combos.get(i, -1 - i), n), d, g, rs, part))
    shared = Counter(key for key, *_ in plans)
    combination: dict[tuple[int, int], str] = {}
    rows: list[RegimenRow] = []
    for n, (key, d, g, rs, part) in enumerate(plans, 1):
        combo = None
        if shared[key] > 1:
            combo = combination.setdefault(key, f"k{len(combination) + 1}")
        rows.append(_row(doc_id, f"r{n}", combo, text, d, g, rs, part))
    return rows


def _distinct_routes(routes: list[Mention]) -> list[Mention]:
    """One mention per route; "injections" (parenteral) gives way to "intramuscular"."""
    out: list[Mention] = []
    for r in routes:
        if all(r.found.norm != o.found.norm for o in out):
            out.append(r)
    specific = [r for r in out if r.found.norm not in _GENERIC_ROUTES]
    return specific or out


def _nearest(items: Sequence[Mention], pos: int) -> Mention | None:
    return min(items, key=lambda m: abs(m.start - pos)) if items else None


def _row(
    doc_id: str,
    rid: str,
    combination: str | None,
    text: str,
    d: _Drug,
    g: _Dose | None,
    routes: list[Mention],
    part: Mapping[str, Any] | None = None,
) -> RegimenRow:
    pos = g.start if g else d.mention.start
    route = _nearest(routes, pos)
    freq = _modifier(text, d, g, "FREQUENCY")
    dur = _modifier(text, d, g, "DURATION")
    data = part or (g.primary.found.data if g else _NONE)
    low, high, ucum = data.get("low"), data.get("high"), data.get("ucum")
    per_day = freq.found.data if freq else _NONE
    daily = _daily(data, per_day)
    used = [
        d.mention,
        *(g.members + g.qualifiers if g else []),
        *(m for m in (route, freq, dur) if m),
    ]
    dose_text = None
    if g:
        end = g.end
        if len(g.members) > 1 and end < len(text) and text[end] in ")]":
            end += 1
        dose_text = text[g.start : end]
    return RegimenRow(
        doc_id=doc_id,
        regimen_id=rid,
        sent_id=d.mention.sent_id,
        drug=d.mention.found.norm or text[d.mention.start : d.mention.end],
        drug_id=d.mention.found.concept_id,
        dose_text=dose_text,
        dose_low=low,
        dose_high=high,
        dose_unit=ucum,
        route=route.found.norm if route else None,
        frequency_text=text[freq.start : freq.end] if freq else None,
        frequency_per_day=per_day.get("per_day") if freq else None,
        duration_text=text[dur.start : dur.end] if dur else None,
        duration_days=dur.found.data.get("days") if dur else None,
        daily_dose_low=daily[0],
        daily_dose_high=daily[1],
        daily_dose_unit=daily[2],
        daily_dose_derived=daily[3],
        mention_ids=tuple(m.mention_id for m in sorted(used, key=_BY_OFFSETS)),
        combination=combination,
    )


def _modifier(text: str, d: _Drug, g: _Dose | None, label: str) -> Mention | None:
    """The drug's frequency/duration for dose `g`: the one written right after the dose
    ("5.5 mg daily"), else one no other dose claims, a real rate before a cycle count,
    nearest first."""
    items = d.mods.get(label, [])
    if not items:
        return None
    if g is None:
        return items[0]
    for m in items:
        if m.start >= g.end and re.fullmatch(r"[\s,)\]]{0,3}", text[g.end : m.start]):
            return m
    owned = {
        m.mention_id
        for other in d.doses
        if other is not g
        for m in items
        if m.start >= other.end and re.fullmatch(r"[\s,)\]]{0,3}", text[other.end : m.start])
    }
    free = [m for m in items if m.mention_id not in owned] or items
    rated = [m for m in free if m.found.data.get("per_day_low") is not None] or free
    return min(rated, key=lambda m: abs(m.start - g.start))


def _daily(
    dose: Mapping[str, Any], freq: Mapping[str, Any]
) -> tuple[float | None, float | None, str | None, bool]:
    """(low, high, unit, derived) of the daily dose, or Nones when the text does not give it."""
    low, high, ucum = dose.get("low"), dose.get("high"), dose.get("ucum")
    dim = str(dose.get("dimension") or "")
    if ucum is None or (low is None and high is None):
        return None, None, None, False
    if ucum.endswith("/d"):
        return low, high, ucum, False
    if dim.endswith("/time") or dim.startswith("percent") or "/volume" in dim:
        return None, None, None, False  # a rate per hour, a strength or a concentration
    period = dose.get("period_days")
    if period:
        return _div(low, period), _div(high, period), f"{ucum}/d", True
    f_low, f_high = freq.get("per_day_low"), freq.get("per_day_high")
    if f_low is None or f_high is None:
        return None, None, None, False
    return _mul(low, f_low), _mul(high, f_high), f"{ucum}/d", True


def _mul(a: float | None, b: float) -> float | None:
    return None if a is None else round(a * b, 10)


def _div(a: float | None, b: float) -> float | None:
    return None if a is None else round(a / b, 10)


def _name(text: str, m: Mention) -> str:
    return (m.found.concept_id or m.found.norm or text[m.start : m.end]).lower()


def _aliases_dropped(text: str, drugs: list[Mention]) -> list[Mention]:
    """Without the abbreviation that repeats the drug before it: "cytarabine (Ara-C)"."""
    out: list[Mention] = []
    for m in drugs:
        if out and _name(text, out[-1]) == _name(text, m):
            gap = text[out[-1].end : m.start]
            if re.fullmatch(r"\s*[(\[]\s*", gap):
                continue
        out.append(m)
    return out


def _outer(mentions: Iterable[Mention]) -> list[Mention]:
    """Drug mentions without those nested in a longer one."""
    items = sorted(mentions, key=lambda m: (m.start, -(m.end - m.start)))
    out: list[Mention] = []
    for m in items:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out
