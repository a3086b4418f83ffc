"""Gold JSONL -> precision / recall / F1 per label, scored as ../shared/tools/scoreboard.py does.

Mentions: per document and label, a maximum one-to-one matching between gold and predicted spans;
lenient = the spans overlap, strict = equal offsets. Only the labels a gold document lists in
`labels` are scored there; precision counts only where the label's `label_scope` is exhaustive or
superset, recall only where it is exhaustive or partial. Claims: a gold claim is found when a
predicted claim of the same document and sentence has the same drug set and direction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from claimx import records
from claimx.errors import InputError
from claimx.rules import read_jsonl

Span = tuple[int, int]
# {"labels": {label: {"lenient": {...}, "strict": {...}, "scope": [...]}}, "documents": int,
#  "documents_missing": int}: the shape scoreboard.py prints with --json.
Score = dict[str, Any]

MODES = ("lenient", "strict")
SCOPES = frozenset({"exhaustive", "partial", "superset"})
PRECISION_SCOPES = frozenset({"exhaustive", "superset"})
RECALL_SCOPES = frozenset({"exhaustive", "partial"})
FORMATS = ("table", "json", "markdown")
DIRECTIONS = frozenset(records.DIRECTIONS)
CERTAINTIES = frozenset(records.CERTAINTIES)
EVIDENCE = frozenset(records.EVIDENCE_TYPES)
# Keys a gold claim line must carry, with the type each value must have.
CLAIM_KEYS: Mapping[str, type | tuple[type, ...]] = MappingProxyType(
    {
        "doc_id": str,
        "sentence": str,
        "sent_start": int,
        "drugs": list,
        "comparators": list,
        "conditions": list,
        "direction": str,
        "negated": bool,
        "certainty": str,
        "evidence": str,
    }
)
# A sentence ends at . ! ? (optionally closed by a quote or bracket) before whitespace, or at a
# line break; used only to show the context of an error example.
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]?(?=\s)|\n")
_SPACE = re.compile(r"\s+")


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Read a gold JSONL file (../shared/eval/README.md format), checking offsets and labels."""
    path = Path(path)
    docs: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, obj in _read_jsonl(path):
        where = f"{path}:{n}"
        if "expected" in obj and "entities" not in obj:
            raise InputError(
                f"{where}: a statcheck-style case (text/options/expected) has no entities "
                "to score; pass span gold files only"
            )
        if "text" not in obj or not isinstance(obj["text"], str):
            raise InputError(f"{where}: missing 'text'; each line needs id, text, labels, entities")
        for key, kind in (("id", (str, int)), ("labels", list), ("entities", list)):
            if not isinstance(obj.get(key), kind):
                raise InputError(f"{where}: '{key}' is missing or not a {_type_name(kind)}")
        doc_id = str(obj["id"])
        if doc_id in seen:
            raise InputError(f"{where}: duplicate id {doc_id!r}; ids must be unique in a file")
        seen.add(doc_id)
        scope = obj.get("label_scope", {})
        if not isinstance(scope, dict):
            raise InputError(f"{where}: 'label_scope' must be an object label -> scope")
        for label, value in scope.items():
            if value not in SCOPES:
                raise InputError(
                    f"{where}: label_scope[{label!r}] is {value!r}; "
                    f"expected one of {', '.join(sorted(SCOPES))}"
                )
        text = obj["text"]
        for i, ent in enumerate(obj["entities"]):
            _check_entity(ent, text, f"{where}: entity {i}")
        docs.append(obj)
    return docs


def load_gold_claims(path: str | Path) -> list[dict[str, Any]]:
    """Read a gold claims JSONL file (data/gold/README.md), checking keys and values."""
    path = Path(path)
    claims: list[dict[str, Any]] = []
    for n, obj in _read_jsonl(path):
        where = f"{path}:{n}"
        for key, kind in CLAIM_KEYS.items():
            if key not in obj:
                raise InputError(f"{where}: missing '{key}'")
            # bool is an int in Python; a sent_start of true is still wrong.
            if not isinstance(obj[key], kind) or (kind is int and isinstance(obj[key], bool)):
                raise InputError(f"{where}: '{key}' must be a {_type_name(kind)}")
        for key, allowed in (
            ("direction", DIRECTIONS),
            ("certainty", CERTAINTIES),
            ("evidence", EVIDENCE),
        ):
            if obj[key] not in allowed:
                raise InputError(
                    f"{where}: {key} {obj[key]!r}; expected one of {', '.join(sorted(allowed))}"
                )
        claims.append(obj)
    return claims


def match_spans(gold: Sequence[Span], pred: Sequence[Span], strict: bool) -> dict[int, int]:
    """A maximum one-to-one matching of predicted to gold spans: {pred index: gold index}.

    Kuhn's augmenting paths, gold spans taken in order and each gold span's candidates in
    prediction order, as scoreboard.py does; written without recursion so that a document with
    thousands of spans of one label cannot exhaust the stack.
    """
    edges = [[j for j, p in enumerate(pred) if _fits(g, p, strict)] for g in gold]
    return _match_edges(edges)


def score_documents(
    gold_docs: Sequence[Mapping[str, Any]], predicted: Mapping[str, Sequence[Mapping[str, Any]]]
) -> Score:
    """Per label and mode P/R/F1/n_pred/n_gold (plain dicts, ready for JSON) of `predicted`.

    `predicted` maps doc_id to that document's mentions (dicts with label, start, end).
    """
    counts: dict[str, dict[str, list[int]]] = {}
    scopes: dict[str, set[str]] = {}
    missing = 0
    for doc in gold_docs:
        doc_id = str(doc["id"])
        if doc_id not in predicted:
            missing += 1
        preds = predicted.get(doc_id, ())
        for label in doc["labels"]:
            scope = doc.get("label_scope", {}).get(label, "exhaustive")
            scopes.setdefault(label, set()).add(scope)
            gold = _spans(doc["entities"], label)
            pred = _spans(preds, label)
            for mode in MODES:
                hits = len(match_spans(gold, pred, mode == "strict"))
                # [tp judged for precision, n_pred judged, tp judged for recall, n_gold judged,
                #  n_pred all, n_gold all]
                c = counts.setdefault(label, {m: [0] * 6 for m in MODES})[mode]
                c[4] += len(pred)
                c[5] += len(gold)
                if scope in PRECISION_SCOPES:
                    c[0] += hits
                    c[1] += len(pred)
                if scope in RECALL_SCOPES:
                    c[2] += hits
                    c[3] += len(gold)
    table: dict[str, Any] = {}
    for label in sorted(counts):
        row: dict[str, Any] = {}
        for mode in MODES:
            tp_p, n_p, tp_r, n_g, all_pred, all_gold = counts[label][mode]
            p = tp_p / n_p if n_p else None
            r = tp_r / n_g if n_g else None
            f = 2 * p * r / (p + r) if p is not None and r is not None and p + r else None
            row[mode] = {
                "P": p,
                "R": r,
                "F1": f,
                "n_pred": all_pred,
                "n_gold": all_gold,
                "tp_precision": tp_p,
                "n_pred_judged": n_p,
                "tp_recall": tp_r,
                "n_gold_judged": n_g,
            }
        row["scope"] = sorted(scopes[label])
        table[label] = row
    return {"labels": table, "documents": len(gold_docs), "documents_missing": missing}


def error_examples(
    gold_docs: Sequence[Mapping[str, Any]],
    predicted: Mapping[str, Sequence[Mapping[str, Any]]],
    n: int,
) -> list[dict[str, Any]]:
    """Up to `n` false positives, misses and boundary errors per label, with their sentence.

    Kinds: "false_positive" (a prediction overlapping no gold span; listed only where precision
    is judged), "miss" (a gold span no prediction overlaps; only where recall is judged) and
    "boundary" (matched leniently, but the offsets differ).
    """
    if n < 0:
        raise InputError(f"--errors must be 0 or more, not {n}")
    taken: dict[tuple[str, str], int] = {}
    out: list[dict[str, Any]] = []

    def add(kind: str, label: str, doc: Mapping[str, Any], span: Span, other: Span | None) -> None:
        key = (label, kind)
        if taken.get(key, 0) >= n:
            return
        taken[key] = taken.get(key, 0) + 1
        text = doc["text"]
        example = {
            "label": label,
            "kind": kind,
            "doc_id": str(doc["id"]),
            "start": span[0],
            "end": span[1],
            "text": text[span[0] : span[1]],
            "sentence": sentence_at(text, span[0], span[1]),
        }
        if other is not None:
            example["gold_text"] = text[other[0] : other[1]]
        out.append(example)

    for doc in gold_docs:
        preds = predicted.get(str(doc["id"]), ())
        for label in doc["labels"]:
            scope = doc.get("label_scope", {}).get(label, "exhaustive")
            gold = _spans(doc["entities"], label)
            pred = _spans(preds, label)
            owner = match_spans(gold, pred, strict=False)
            matched_gold = set(owner.values())
            events: list[tuple[int, str, Span, Span | None]] = []
            if scope in PRECISION_SCOPES:
                events += [
                    (p[0], "false_positive", p, None) for j, p in enumerate(pred) if j not in owner
                ]
            if scope in RECALL_SCOPES:
                events += [
                    (g[0], "miss", g, None) for i, g in enumerate(gold) if i not in matched_gold
                ]
            events += [
                (pred[j][0], "boundary", pred[j], gold[i])
                for j, i in owner.items()
                if pred[j] != gold[i]
            ]
            for _, kind, span, other in sorted(events, key=lambda e: (e[0], e[1])):
                add(kind, label, doc, span, other)
    return sorted(out, key=lambda e: (e["label"], e["kind"]))


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence (split at . ! ? and line breaks) around text[start:end], spaces collapsed."""
    left = 0
    for m in _SENTENCE_END.finditer(text, 0, start):
        left = m.end()
    after = _SENTENCE_END.search(text, max(end, left))
    right = after.end() if after else len(text)
    return _SPACE.sub(" ", text[left:right]).strip()


def score_claims(
    gold_claims: Sequence[Mapping[str, Any]], predicted_claim_rows: Iterable[Any]
) -> dict[str, Any]:
    """Claims found (same doc, sentence, drug set and direction) and, of those, how many carry
    the right certainty, evidence and negation.

    Predicted rows are ClaimRow dataclasses or dicts with doc_id, drugs, direction, certainty,
    evidence, negated and text (the claim's sentence or clause). Only predictions of documents
    that have gold claims are counted; gold claims are not exhaustive, so unmatched predictions
    are reported, not called false positives.
    """
    gold_docs = {str(c["doc_id"]) for c in gold_claims}
    pred = [_as_dict(r) for r in predicted_claim_rows]
    pred = [p for p in pred if str(p.get("doc_id")) in gold_docs]

    def compatible(g: Mapping[str, Any], p: Mapping[str, Any]) -> bool:
        return (
            str(p.get("doc_id")) == str(g["doc_id"])
            and _names(p.get("drugs")) == _names(g["drugs"])
            and p.get("direction") == g["direction"]
            and _same_sentence(g, p)
        )

    def agreement(g: Mapping[str, Any], p: Mapping[str, Any]) -> int:
        return sum(p.get(k) == g[k] for k in ("certainty", "evidence", "negated"))

    # Candidates that also agree on certainty/evidence/negation come first, so that when one
    # sentence holds several gold claims the matching pairs them with their best prediction.
    edges: list[list[int]] = []
    for g in gold_claims:
        cands = [j for j, p in enumerate(pred) if compatible(g, p)]
        edges.append(sorted(cands, key=lambda j: -agreement(g, pred[j])))
    owner = _match_edges(edges)
    pairs = [(gold_claims[i], pred[j]) for j, i in owner.items()]
    found = len(pairs)

    def accuracy(key: str) -> float | None:
        return sum(p.get(key) == g[key] for g, p in pairs) / found if found else None

    matched_gold = set(owner.values())
    return {
        "gold": len(gold_claims),
        "predicted": len(pred),
        "found": found,
        "recall": found / len(gold_claims) if gold_claims else None,
        "certainty_accuracy": accuracy("certainty"),
        "evidence_accuracy": accuracy("evidence"),
        "negated_accuracy": accuracy("negated"),
        "without_drug": sum(not p.get("drugs") for p in pred),
        "missed": [
            {k: g[k] for k in ("doc_id", "sentence", "drugs", "direction")}
            for i, g in enumerate(gold_claims)
            if i not in matched_gold
        ],
    }


def render(scores: Mapping[str, Score], fmt: str = "table") -> str:
    """Scores of several gold files as a terminal table, JSON or a markdown scoreboard."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(dict(scores), indent=1, ensure_ascii=False) + "\n"
    rows = [[_name(path), *cells] for path, score in scores.items() for cells in _rows(score)]
    header = ["gold file", "label", "scope", "P", "R", "F1", "F1 strict", "gold", "pred"]
    notes = [
        f"{_name(path)}: {s['documents_missing']} of {s['documents']} documents missing "
        "from the predictions"
        for path, s in scores.items()
        if s.get("documents_missing")
    ]
    if fmt == "markdown":
        lines = [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---:" if i > 2 else "---" for i in range(len(header))) + "|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        legend = (
            "P, R and F1 are lenient (a prediction matches a gold span of the same label when they "
            "overlap; one-to-one); F1 strict needs equal offsets. A dash: not judged under that "
            "label's scope (precision needs exhaustive or superset, recall exhaustive or partial)."
        )
        return "\n".join([*lines, "", legend, *(f"- {n}" for n in notes)]) + "\n"
    return _rich_table(header, rows, notes)


def render_errors(examples: Sequence[Mapping[str, Any]], fmt: str = "table") -> str:
    """Error examples (from error_examples) as lines, JSON or a markdown list."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if fmt == "json":
        return json.dumps(list(examples), indent=1, ensure_ascii=False) + "\n"
    bullet = "- " if fmt == "markdown" else ""
    lines = []
    for e in examples:
        gold = f" (gold {e['gold_text']!r})" if "gold_text" in e else ""
        lines.append(
            f"{bullet}{e['label']} {e['kind']} {e['doc_id']}:{e['start']}-{e['end']} "
            f"{e['text']!r}{gold} in: {e['sentence']}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    return read_jsonl(path, InputError, "gold file")


def _check_entity(ent: Any, text: str, where: str) -> None:
    if not isinstance(ent, dict):
        raise InputError(f"{where}: expected an object with start, end, label")
    start, end, label = ent.get("start"), ent.get("end"), ent.get("label")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise InputError(
            f"{where}: start {start!r} / end {end!r} are not offsets 0 <= start < end <= "
            f"{len(text)} into the text"
        )
    if not isinstance(label, str):
        raise InputError(f"{where}: 'label' is missing")
    if "text" in ent and ent["text"] != text[start:end]:
        raise InputError(
            f"{where}: text {ent['text']!r} but text[{start}:{end}] is {text[start:end]!r}; "
            "fix the offsets"
        )


def _type_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def _fits(g: Span, p: Span, strict: bool) -> bool:
    return p == g if strict else (p[0] < g[1] and g[0] < p[1])


def _spans(items: Iterable[Mapping[str, Any]], label: str) -> list[Span]:
    return [(int(m["start"]), int(m["end"])) for m in items if m.get("label") == label]


def _match_edges(edges: Sequence[Sequence[int]]) -> dict[int, int]:
    """Maximum matching over adjacency lists (left index -> right candidates): {right: left}."""
    owner: dict[int, int] = {}
    for i in range(len(edges)):
        _augment(i, edges, owner)
    return owner


def _augment(root: int, edges: Sequence[Sequence[int]], owner: dict[int, int]) -> bool:
    """Kuhn's augmenting-path search from `root`, without recursion; flips the path if found."""
    seen: set[int] = set()
    stack: list[list[int]] = [[root, 0]]
    path: list[int] = []
    while stack:
        frame = stack[-1]
        i, k = frame
        if k == len(edges[i]):
            stack.pop()
            if path:
                path.pop()
            continue
        frame[1] += 1
        j = edges[i][k]
        if j in seen:
            continue
        seen.add(j)
        path.append(j)
        if j not in owner:
            for (g, _), p in zip(stack, path, strict=True):
                owner[p] = g
            return True
        stack.append([owner[j], 0])
    return False


def _names(values: Any) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    return frozenset(_SPACE.sub(" ", str(v)).strip().casefold() for v in values or ())


def _same_sentence(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> bool:
    """Does the predicted claim's text overlap the gold claim's sentence?"""
    if isinstance(pred.get("start"), int) and isinstance(pred.get("end"), int):
        g0 = gold["sent_start"]
        return pred["start"] < g0 + len(gold["sentence"]) and g0 < pred["end"]
    a = _SPACE.sub(" ", str(gold["sentence"])).strip().casefold()
    b = _SPACE.sub(" ", str(pred.get("text") or "")).strip().casefold()
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    # Sentence splitters disagree at abbreviations ("eg,", "Dr"): accept a long shared stretch.
    from difflib import SequenceMatcher

    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size >= min(40, min(len(a), len(b)) // 2)


def _as_dict(row: Any) -> dict[str, Any]:
    if is_dataclass(row) and not isinstance(row, type):
        return asdict(row)
    if isinstance(row, Mapping):
        return dict(row)
    raise InputError(f"a predicted claim must be a ClaimRow or a dict, not {type(row).__name__}")


def _name(path: str) -> str:
    return "/".join(str(path).rstrip("/").split("/")[-2:])


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _rows(score: Score) -> list[list[str]]:
    rows = []
    for label, row in score["labels"].items():
        le, st = row["lenient"], row["strict"]
        rows.append(
            [
                label,
                ",".join(row["scope"]),
                _fmt(le["P"]),
                _fmt(le["R"]),
                _fmt(le["F1"]),
                _fmt(st["F1"]),
                str(le["n_gold"]),
                str(le["n_pred"]),
            ]
        )
    return rows


def _rich_table(header: list[str], rows: list[list[str]], notes: list[str]) -> str:
    from io import StringIO

    from rich.console import Console
    from rich.table import Table

    table = Table(*header, box=None, pad_edge=False)
    for col in table.columns[3:]:
        col.justify = "right"
    for row in rows:
        table.add_row(*row)
    buf = StringIO()
    console = Console(file=buf, width=120, color_system=None, soft_wrap=True)
    console.print(table)
    for note in notes:
        console.print(note)
    return buf.getvalue()
