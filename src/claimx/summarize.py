"""pandas summaries of claimx's tables: by drug, condition, route, document, claim, evidence."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

from claimx.errors import InputError
from claimx.records import TABLES, columns

GROUPINGS = ("drug", "condition", "route", "document", "claim", "evidence")


def list_columns(table: str) -> frozenset[str]:
    """Columns that hold lists (`;`-joined in CSV)."""
    return frozenset(f.name for f in fields(TABLES[table]) if "tuple" in str(f.type))


def _empty(table: str) -> Any:
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns(table)})


def read_tables(source: str | Path, stdin: IO[str] | None = None) -> dict[str, Any]:
    """DataFrames of every table from an output folder, or from JSONL document objects
    ("-" = standard input, or a .jsonl file written with `-o -`)."""
    import pandas as pd

    if str(source) == "-":
        if stdin is None:
            import sys

            stdin = sys.stdin
        return _tables_from_objects(stdin, "<stdin>")
    path = Path(source)
    if path.is_file():
        with path.open(encoding="utf-8") as f:
            return _tables_from_objects(f, str(path))
    if not path.is_dir():
        raise InputError(
            f"{path}: no such output folder; run `claimx extract` first or name the folder"
        )
    out: dict[str, Any] = {}
    for table in TABLES:
        found = [
            p
            for p in (path / f"{table}.{ext}" for ext in ("csv", "jsonl", "json", "parquet"))
            if p.is_file()
        ]
        if not found:
            raise InputError(
                f"{path}: no {table} table (.csv, .jsonl or .json); is it claimx output?"
            )
        p = found[0]
        if p.suffix == ".csv":
            df = pd.read_csv(p, dtype=str, keep_default_na=False)
            df = _typed_from_csv(df, table)
        elif p.suffix == ".parquet":
            from claimx.parquet import read_parquet_table

            df = read_parquet_table(p)
        elif p.suffix == ".jsonl":
            df = pd.read_json(p, lines=True, dtype=False) if p.stat().st_size else _empty(table)
        else:
            with p.open(encoding="utf-8") as f:
                df = pd.DataFrame(json.load(f))
            if df.empty:
                df = _empty(table)
        out[table] = df
    return out


def _typed_from_csv(df: Any, table: str) -> Any:
    import pandas as pd

    lists = list_columns(table)
    for f in fields(TABLES[table]):
        if f.name not in df.columns:
            continue
        col = df[f.name]
        kind = str(f.type)
        if f.name in lists:
            df[f.name] = col.map(lambda s: [x for x in s.split(";") if x] if s else [])
        elif kind.startswith("int"):
            df[f.name] = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif "float" in kind:
            df[f.name] = pd.to_numeric(col.replace("", None), errors="coerce")
        elif "bool" in kind:
            df[f.name] = col.map({"true": True, "false": False, "": None})
        else:
            df[f.name] = col.replace("", None)
    return df


def _tables_from_objects(stream: IO[str], name: str) -> dict[str, Any]:
    import pandas as pd

    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{name}:{n}: not a JSON document object ({e.msg})") from None
        if not isinstance(obj, dict) or "doc_id" not in obj:
            raise InputError(f"{name}:{n}: expected a claimx document object with doc_id")
        rows["documents"].append({c: obj.get(c) for c in columns("documents")})
        for table in TABLES:
            if table != "documents":
                rows[table].extend(obj.get(table) or [])
    return {t: (pd.DataFrame(r, columns=columns(t)) if r else _empty(t)) for t, r in rows.items()}


def _top(values: Any, n: int = 3) -> str:
    counts = Counter(v for v in values if isinstance(v, str) and v)
    return "; ".join(k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def _tally(values: Any) -> str:
    """'benefit 3, harm 1': each value with its count, in alphabetical order."""
    counts: Counter[str] = Counter(str(v) for v in values)
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items()))


def _fmt_num(x: float) -> str:
    return f"{x:g}"


def _dose_range(reg: Any) -> str:
    parts = []
    for unit, g in reg.groupby("dose_unit", dropna=True, sort=True):
        lows = g["dose_low"].dropna()
        highs = g["dose_high"].dropna()
        if lows.empty:
            continue
        lo = lows.min()
        hi = max(highs.max() if not highs.empty else lo, lows.max())
        parts.append(
            f"{_fmt_num(lo)}-{_fmt_num(hi)} {unit}" if hi != lo else f"{_fmt_num(lo)} {unit}"
        )
    return "; ".join(parts)


def _mention_key(df: Any) -> Any:
    """Concept name of each mention: its norm, else its text in lower case."""
    named = df["norm"].where(df["norm"].notna() & (df["norm"] != ""), df["text"])
    return named.astype(str).str.lower()


def summarize(tables: dict[str, Any], by: str, top: int = 3) -> Any:
    """One summary DataFrame, rows sorted by importance (mentions, then documents)."""
    import pandas as pd

    if by not in GROUPINGS:
        raise InputError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    mentions = tables["mentions"].copy()
    claims = tables["claims"]
    regimens = tables["regimens"]
    if by == "document":
        docs = tables["documents"][["doc_id", "n_chars", "n_sentences"]].copy()
        counts = mentions.pivot_table(
            index="doc_id", columns="label", values="mention_id", aggfunc="count", fill_value=0
        )
        counts.columns = [f"{c.lower()}s" for c in counts.columns]
        out = docs.merge(counts, how="left", left_on="doc_id", right_index=True)
        for name, t in (
            ("regimens", regimens),
            ("statistics", tables["statistics"]),
            ("claims", claims),
        ):
            out = out.merge(
                t.groupby("doc_id").size().rename(name),
                how="left",
                left_on="doc_id",
                right_index=True,
            )
        return out.fillna(0).reset_index(drop=True)
    if by == "claim":
        cols = [
            "doc_id",
            "claim_id",
            "drugs",
            "comparators",
            "conditions",
            "direction",
            "negated",
            "certainty",
            "evidence",
            "overclaim",
            "text",
        ]
        out = claims[cols].copy()
        out["overclaim"] = out["overclaim"].fillna("")
        for c in ("drugs", "comparators", "conditions"):
            out[c] = out[c].map(lambda v: "; ".join(v) if isinstance(v, list) else (v or ""))
        return out.reset_index(drop=True)
    if by == "evidence":
        if claims.empty:
            return pd.DataFrame(columns=["evidence", "claims", "documents", "drugs"])
        g = claims.explode("drugs").groupby("evidence")
        out = pd.DataFrame(
            {
                "claims": claims.groupby("evidence").size(),
                "documents": claims.groupby("evidence")["doc_id"].nunique(),
                "drugs": g["drugs"].agg(lambda s: _top(s, top)),
            }
        ).reset_index()
        return out.sort_values(["claims", "evidence"], ascending=[False, True]).reset_index(
            drop=True
        )
    if by == "route":
        reg = regimens[regimens["route"].notna() & (regimens["route"] != "")]
        if reg.empty:
            return pd.DataFrame(columns=["route", "regimens", "documents", "drugs"])
        g = reg.groupby("route")
        out = pd.DataFrame(
            {
                "regimens": g.size(),
                "documents": g["doc_id"].nunique(),
                "drugs": g["drug"].agg(lambda s: _top(s, top)),
                "dose range": g.apply(_dose_range, include_groups=False),
            }
        ).reset_index()
        return out.sort_values(["regimens", "route"], ascending=[False, True]).reset_index(
            drop=True
        )
    label = "DRUG" if by == "drug" else "CONDITION"
    other = "CONDITION" if by == "drug" else "DRUG"
    own = mentions[mentions["label"] == label].copy()
    if own.empty:
        return pd.DataFrame(columns=[by, f"{by}_id", "documents", "mentions"])
    own["key"] = _mention_key(own)
    others = mentions[mentions["label"] == other].copy()
    others["key"] = _mention_key(others)
    # What co-occurs in a sentence with each mention.
    co = own[["doc_id", "sent_id", "key"]].merge(
        others[["doc_id", "sent_id", "key"]].rename(columns={"key": "other"}),
        on=["doc_id", "sent_id"],
    )
    g = own.groupby("key")
    out = pd.DataFrame(
        {
            f"{by}_id": g["concept_id"].agg(lambda s: _top(s, 1)),
            "documents": g["doc_id"].nunique(),
            "mentions": g.size(),
        }
    )
    related = "conditions" if by == "drug" else "drugs"
    out[related] = co.groupby("key")["other"].agg(lambda s: _top(s, top))
    claim_col = "drugs" if by == "drug" else "conditions"
    if not claims.empty:
        exploded = claims.explode(claim_col)
        exploded["k"] = exploded[claim_col].astype(str).str.lower()
        out["claims"] = exploded.groupby("k").size()
        if by == "drug":
            for col in ("direction", "certainty"):
                counts = exploded.groupby("k")[col].agg(_tally)
                out[f"claims by {col}"] = counts
    else:
        out["claims"] = 0
    if by == "drug" and not regimens.empty:
        reg = regimens.copy()
        reg["k"] = reg["drug"].astype(str).str.lower()
        out["routes"] = reg.groupby("k")["route"].agg(lambda s: _top(s, top))
        out["dose range"] = reg.groupby("k").apply(_dose_range, include_groups=False)
    out.index.name = by
    out = out.reset_index()
    out["claims"] = out["claims"].fillna(0).astype(int)
    out = out.fillna("")
    return out.sort_values(
        ["mentions", "documents", by], ascending=[False, False, True]
    ).reset_index(drop=True)


def render(df: Any, fmt: str, title: str | None = None) -> str:
    """A summary as csv, json or markdown text (the terminal table is drawn by the CLI)."""
    if fmt == "csv":
        return str(df.to_csv(index=False))
    if fmt == "json":
        return (
            json.dumps(json.loads(df.to_json(orient="records")), ensure_ascii=False, indent=1)
            + "\n"
        )
    if fmt == "markdown":
        cols = [str(c) for c in df.columns]
        lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        for row in df.itertuples(index=False):
            lines.append("| " + " | ".join(_md(v) for v in row) + " |")
        return "\n".join(lines) + "\n"
    raise InputError(f"unknown format {fmt!r}; choose table, csv, json or markdown")


def _md(v: Any) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")
