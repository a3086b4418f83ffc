"""An HTML page that shows what claimx found in a text and why: every mention highlighted by
label (rule id, norm and concept on hover), and under each sentence its claims (direction,
certainty, evidence, negation), regimens and statistics.

The page is self-contained (inline CSS, no scripts, no external assets), so it can be mailed,
archived or opened offline. Rows may be records (dataclasses) or dicts (JSON document objects).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

# One colour per label; the palette keeps neighbouring labels apart and text readable on it.
LABEL_COLOURS = MappingProxyType(
    {
        "DRUG": "#8ecae6",
        "DOSE": "#ffb703",
        "ROUTE": "#b5e48c",
        "FREQUENCY": "#f4a261",
        "DURATION": "#cdb4db",
        "CONDITION": "#ff8fab",
        "STATISTIC": "#e9c46a",
    }
)
OTHER_COLOUR = "#d9d9d9"
DIRECTION_SYMBOLS = MappingProxyType(
    {"benefit": "▲", "harm": "▼", "no_effect": "＝", "mixed": "◆", "association": "∼"}
)

CSS = """
body{font:15px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:60rem;padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:2rem 0 .4rem}
.meta{color:#555;font-size:.85rem;margin-bottom:.6rem}
.legend span{display:inline-block;margin:0 .4rem .3rem 0;padding:0 .4rem;border-radius:.3rem;
font-size:.75rem;font-weight:600}
.sent{margin:.2rem 0;padding:.35rem .6rem;border-left:3px solid #eee}
.sent.has-claims{border-left-color:#6c63ff}
.section{font-size:.7rem;font-weight:700;letter-spacing:.05em;color:#888;margin-top:.8rem}
mark.cx{padding:.05rem .15rem;border-radius:.25rem;color:inherit;
box-decoration-break:clone;-webkit-box-decoration-break:clone}
mark.cx mark.cx{padding:0 .1rem;outline:1px solid rgba(0,0,0,.25)}
.tag{font-size:.6rem;font-weight:700;margin-left:.2rem;vertical-align:middle;opacity:.7}
ul.found{margin:.2rem 0 .3rem 1rem;padding:0;list-style:none;font-size:.85rem}
ul.found li{margin:.1rem 0}
li.claim b{font-weight:600}
.neg{color:#b00020;font-weight:700}
.pill{display:inline-block;padding:0 .35rem;margin-left:.25rem;border-radius:.6rem;
background:#f1f1f4;font-size:.75rem}
.rule{color:#999;font-size:.7rem;margin-left:.3rem}
"""


def _get(row: Any, name: str, default: Any = None) -> Any:
    """A column of a row that is a record or a dict."""
    if isinstance(row, Mapping):
        return row.get(name, default)
    return getattr(row, name, default)


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _join(values: Any) -> str:
    return ", ".join(str(v) for v in values or ())


def _colour(label: str) -> str:
    return LABEL_COLOURS.get(label, OTHER_COLOUR)


def _mention_title(m: Any) -> str:
    parts = [str(_get(m, "label")), f"rule: {_get(m, 'rule_id')}"]
    if _get(m, "norm"):
        parts.append(f"norm: {_get(m, 'norm')}")
    if _get(m, "concept_id"):
        parts.append(f"concept: {_get(m, 'concept_id')}")
    parts.append(f"id: {_get(m, 'mention_id')}")
    return " · ".join(parts)


def _open(m: Any) -> str:
    label = str(_get(m, "label"))
    return (
        f'<mark class="cx cx-{_esc(label.lower())}" data-label="{_esc(label)}" '
        f'data-rule="{_esc(_get(m, "rule_id"))}" title="{_esc(_mention_title(m))}" '
        f'style="background:{_colour(label)}">'
    )


def _close(m: Any, at_end: bool) -> str:
    # The label tag goes once, where the mention really ends (not where a crossing mention
    # forces its mark to close and reopen).
    tag = f'<span class="tag">{_esc(_get(m, "label"))}</span>' if at_end else ""
    return f"{tag}</mark>"


def mark_text(text: str, start: int, end: int, mentions: list[Any]) -> str:
    """text[start:end] as HTML with each mention inside it wrapped in a <mark>.

    Nested mentions nest; crossing ones (A over 0-10, B over 5-15) are split so that the HTML
    stays well formed: the text is cut at every mention boundary, and each piece opens the marks
    that cover it, outermost (earliest, longest) first.
    """
    spans = []
    for m in mentions:
        s, e = max(int(_get(m, "start")), start), min(int(_get(m, "end")), end)
        if s < e:
            spans.append((s, e, m))
    spans.sort(
        key=lambda t: (int(_get(t[2], "start")), -int(_get(t[2], "end")), _get(t[2], "label"))
    )
    cuts = sorted({start, end, *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, Any]] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = [sp for sp in spans if sp[0] <= a and sp[1] >= b]
        keep = 0
        while keep < len(stack) and keep < len(covering) and stack[keep] is covering[keep]:
            keep += 1
        while len(stack) > keep:
            sp = stack.pop()
            out.append(_close(sp[2], sp[1] == a))
        for sp in covering[keep:]:
            out.append(_open(sp[2]))
            stack.append(sp)
        out.append(_esc(text[a:b]))
    while stack:
        sp = stack.pop()
        out.append(_close(sp[2], sp[1] == end))
    return "".join(out)


def _claim_item(c: Any) -> str:
    direction = str(_get(c, "direction") or "")
    symbol = DIRECTION_SYMBOLS.get(direction, "•")
    drugs = _join(_get(c, "drugs")) or "(no drug)"
    what = f"{symbol} <b>{_esc(drugs)}</b>"
    if _get(c, "comparators"):
        what += f" vs <b>{_esc(_join(_get(c, 'comparators')))}</b>"
    what += f" — {_esc(direction.replace('_', ' '))}"
    if _get(c, "conditions"):
        what += f" for <b>{_esc(_join(_get(c, 'conditions')))}</b>"
    pills = [
        f'<span class="pill">certainty: {_esc(_get(c, "certainty"))}</span>',
        f'<span class="pill">evidence: {_esc(_get(c, "evidence"))}</span>',
    ]
    if _get(c, "negated"):
        pills.insert(0, '<span class="pill neg">negated</span>')
    if _get(c, "attribution"):
        pills.append(f'<span class="pill">attributed: {_esc(_get(c, "attribution"))}</span>')
    if _get(c, "overclaim"):
        pills.append(f'<span class="pill neg">overclaim: {_esc(_get(c, "overclaim"))}</span>')
    rule = f'<span class="rule">{_esc(_get(c, "claim_id"))} · {_esc(_get(c, "rule_id"))}</span>'
    negated = "true" if _get(c, "negated") else "false"
    return (
        f'<li class="claim" data-direction="{_esc(direction)}" data-negated="{negated}" '
        f'data-certainty="{_esc(_get(c, "certainty"))}" '
        f'data-evidence="{_esc(_get(c, "evidence"))}">'
        f"{what}{''.join(pills)}{rule}</li>"
    )


def _regimen_item(r: Any) -> str:
    parts = [
        _get(r, "drug") or "(no drug)",
        _get(r, "dose_text"),
        _get(r, "route"),
        _get(r, "frequency_text"),
        _get(r, "duration_text"),
    ]
    text = " · ".join(str(p) for p in parts if p)
    daily = ""
    if _get(r, "daily_dose_low") is not None:
        low, high = _get(r, "daily_dose_low"), _get(r, "daily_dose_high")
        amount = f"{low:.4g}" if high in (None, low) else f"{low:.4g}–{high:.4g}"
        daily = (
            f'<span class="pill">daily: {_esc(amount)} {_esc(_get(r, "daily_dose_unit"))}</span>'
        )
    return f'<li class="regimen">℞ {_esc(text)}{daily}</li>'


def _statistic_item(s: Any) -> str:
    flags = _join(_get(s, "flags"))
    pill = f'<span class="pill neg">{_esc(flags)}</span>' if flags else ""
    return (
        f'<li class="statistic">∑ {_esc(_get(s, "kind"))}: {_esc(_get(s, "text"))}{pill}'
        f'<span class="rule">{_esc(_get(s, "rule_id"))}</span></li>'
    )


def _by_sentence(rows: Iterable[Any]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for row in rows:
        out.setdefault(int(_get(row, "sent_id") or 0), []).append(row)
    return out


def document_html(text: str, tables: Mapping[str, list[Any]]) -> str:
    """One document's marked-up sentences with their claims, regimens and statistics."""
    sentences = list(tables.get("sentences") or ())
    if not sentences:  # nothing split: the whole text as one block
        sentences = [{"sent_id": 0, "start": 0, "end": len(text)}]
    mentions = list(tables.get("mentions") or ())
    claims = _by_sentence(tables.get("claims") or ())
    regimens = _by_sentence(tables.get("regimens") or ())
    stats = _by_sentence(tables.get("statistics") or ())
    ordered = sorted(mentions, key=lambda m: int(_get(m, "start")))
    sentences.sort(key=lambda r: int(_get(r, "start")))
    out: list[str] = []
    section = None
    nxt = 0
    open_: list[Any] = []  # mentions that start before this sentence ends and may reach into it
    for sent in sentences:
        sid = int(_get(sent, "sent_id"))
        start, end = int(_get(sent, "start")), int(_get(sent, "end"))
        sec = _get(sent, "section")
        if sec and sec != section:
            out.append(f'<div class="section">{_esc(sec)}</div>')
        section = sec or section
        # A mention is drawn wherever its characters are, whatever sentence it is filed under.
        while nxt < len(ordered) and int(_get(ordered[nxt], "start")) < end:
            open_.append(ordered[nxt])
            nxt += 1
        open_ = [m for m in open_ if int(_get(m, "end")) > start]
        near = [m for m in open_ if int(_get(m, "start")) < end]
        items = (
            [_claim_item(c) for c in claims.get(sid, [])]
            + [_regimen_item(r) for r in regimens.get(sid, [])]
            + [_statistic_item(s) for s in stats.get(sid, [])]
        )
        cls = "sent has-claims" if claims.get(sid) else "sent"
        found = f'<ul class="found">{"".join(items)}</ul>' if items else ""
        out.append(
            f'<div class="{cls}" id="s{sid}" data-sent="{sid}">'
            f'<div class="text">{mark_text(text, start, end, near)}</div>{found}</div>'
        )
    return "".join(out)


def _legend(mentions: list[Any]) -> str:
    counts: dict[str, int] = {}
    for m in mentions:
        label = str(_get(m, "label"))
        counts[label] = counts.get(label, 0) + 1
    order = [lb for lb in LABEL_COLOURS if lb in counts] + sorted(set(counts) - set(LABEL_COLOURS))
    return "".join(
        f'<span style="background:{_colour(lb)}">{_esc(lb)} {counts[lb]}</span>' for lb in order
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def render_documents(documents: Iterable[tuple[str, Mapping[str, list[Any]]]], title: str) -> str:
    """A page of several documents: (text, tables) pairs, each under its own heading."""
    parts: list[str] = []
    for n, (text, tables) in enumerate(documents, 1):
        docs = list(tables.get("documents") or ())
        doc = docs[0] if docs else None
        doc_id = _get(doc, "doc_id") if doc is not None else f"document {n}"
        heading = _get(doc, "title") if doc is not None else None
        mentions = list(tables.get("mentions") or ())
        n_claims = len(tables.get("claims") or ())
        meta = f"{_esc(doc_id)} · {_count(len(mentions), 'mention')} · {_count(n_claims, 'claim')}"
        parts.append(
            f'<section class="doc" id="{_esc(doc_id)}"><h2>{_esc(heading or doc_id)}</h2>'
            f'<div class="meta">{meta}</div><div class="legend">{_legend(mentions)}</div>'
            f"{document_html(text, tables)}</section>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_esc(title)}</h1>{''.join(parts)}</body></html>\n"
    )


def render_html(text: str, tables: Mapping[str, list[Any]], title: str) -> str:
    """A self-contained HTML page of one document: its mentions highlighted by label (rule id
    and norm on hover) and each claim listed under its sentence."""
    return render_documents([(text, tables)], title)
