"""Build the benchmark corpus from real text: the seed texts and the ../shared/eval dev texts.

There is not 10 MB of real text in the repository, so the real documents are repeated. Plain
repetition would flatter the tokenizer: spaCy caches the tokens of every whitespace-delimited
chunk it has seen, so from the second copy on every chunk is a cache hit, while a real corpus
keeps meeting new chunks (mostly numbers, identifiers and rare words). Every copy after the
first therefore draws new digits for each number (same number of digits, same punctuation:
"12.5 mg" may become "47.1 mg", "p < 0.001" "p < 0.063") and puts the documents in a new
order. The text stays real prose with its real vocabulary; only the numbers change.
`chunk_novelty()` reports the share of chunks not seen earlier in the corpus, so the results
say how close to a real corpus this comes.

Usage: python bench/make_corpus.py [--mb 10] [--out bench/corpus/c10]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEEDS = ROOT / "data" / "raw"
EVAL = ROOT.parent / "shared" / "eval"
# Eval files that are not prose (statcheck's are one-line test strings of APA results).
NOT_PROSE = frozenset({"statcheck"})
SHARD_BYTES = 1_000_000
DIGITS = re.compile(r"\d+")
CORPUS_VERSION = 1


@dataclass(frozen=True, slots=True)
class RealText:
    """One real document: where it came from and its text."""

    source: str
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class CorpusInfo:
    """What was written: the folder, its shards and their size."""

    folder: Path
    shards: tuple[Path, ...]
    documents: int
    bytes: int
    words: int
    copies: int
    real_documents: int
    real_bytes: int
    sources: tuple[str, ...]
    eval_found: bool


def read_seeds(folder: Path = SEEDS) -> list[RealText]:
    """The seed texts, one document per file, in name order."""
    return [
        RealText("seeds", p.stem, p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.txt"))
    ]


def read_eval(folder: Path = EVAL) -> list[RealText]:
    """The eval dev texts; records of one source document (same `group`, e.g. the sentences of
    one PubMed abstract in PHEE and ADE) are joined back into one document."""
    out: list[RealText] = []
    for path in sorted(folder.glob("*.dev.jsonl")):
        name = path.name.split(".")[0]
        if name in NOT_PROSE:
            continue
        groups: dict[str, list[str]] = {}
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                record = json.loads(line)
                text = record.get("text")
                if not isinstance(text, str) or not text.strip():
                    continue
                key = str(record.get("group") or record.get("id"))
                groups.setdefault(key, []).append(text.strip())
        out.extend(RealText(name, key, " ".join(parts)) for key, parts in groups.items())
    return out


def real_texts(seeds: Path = SEEDS, eval_dir: Path = EVAL) -> tuple[list[RealText], bool]:
    """All real documents, and whether the eval texts were found (else the seeds only)."""
    texts = read_seeds(seeds)
    found = eval_dir.is_dir() and any(eval_dir.glob("*.dev.jsonl"))
    if found:
        texts.extend(read_eval(eval_dir))
    if not texts:
        raise SystemExit(f"no real text found in {seeds} or {eval_dir}")
    return texts, found


def vary_numbers(text: str, rng: random.Random) -> str:
    """New digits for every number: same length, no new leading zero, punctuation kept."""

    def repl(m: re.Match[str]) -> str:
        digits = m.group(0)
        first = rng.choice("123456789") if digits[0] != "0" else "0"
        rest = "".join(rng.choice("0123456789") for _ in range(len(digits) - 1))
        return first + rest

    return DIGITS.sub(repl, text)


def corpus_documents(
    texts: list[RealText], target_bytes: int, seed: int = 0
) -> Iterator[tuple[str, str]]:
    """(doc_id, text) pairs until about `target_bytes` of UTF-8 text: copy 0 verbatim, each
    later copy shuffled and with new numbers."""
    rng = random.Random(seed)
    written = 0
    copy = 0
    while written < target_bytes:
        order = list(range(len(texts)))
        if copy:
            rng.shuffle(order)
        for i in order:
            t = texts[i]
            text = t.text if copy == 0 else vary_numbers(t.text, rng)
            yield f"{t.source}:{t.key}:c{copy}", text
            written += len(text.encode("utf-8"))
            if written >= target_bytes:
                return
        copy += 1


def write_corpus(
    folder: Path, texts: list[RealText], target_bytes: int, eval_found: bool, seed: int = 0
) -> CorpusInfo:
    """Write the corpus as JSONL shards of about 1 MB (reused when already built alike)."""
    stamp = {
        "version": CORPUS_VERSION,
        "target_bytes": target_bytes,
        "seed": seed,
        "real_documents": len(texts),
        "real_bytes": sum(len(t.text.encode("utf-8")) for t in texts),
        "eval_found": eval_found,
    }
    info_path = folder / "corpus.json"
    if info_path.is_file():
        old = json.loads(info_path.read_text(encoding="utf-8"))
        if old.get("stamp") == stamp:
            return _info(folder, old)
    folder.mkdir(parents=True, exist_ok=True)
    for old_shard in folder.glob("part-*.jsonl"):
        old_shard.unlink()
    shards: list[Path] = []
    documents = size = words = 0
    copies = 0
    fh = None
    shard_size = 0
    try:
        for doc_id, text in corpus_documents(texts, target_bytes, seed):
            if fh is None or shard_size >= SHARD_BYTES:
                if fh is not None:
                    fh.close()
                shards.append(folder / f"part-{len(shards):04d}.jsonl")
                fh = shards[-1].open("w", encoding="utf-8", newline="\n")
                shard_size = 0
            line = json.dumps({"id": doc_id, "text": text}, ensure_ascii=False) + "\n"
            fh.write(line)
            shard_size += len(line.encode("utf-8"))
            documents += 1
            size += len(text.encode("utf-8"))
            words += len(text.split())
            copies = max(copies, int(doc_id.rsplit(":c", 1)[1]) + 1)
    finally:
        if fh is not None:
            fh.close()
    meta = {
        "stamp": stamp,
        "shards": [p.name for p in shards],
        "documents": documents,
        "bytes": size,
        "words": words,
        "copies": copies,
        "sources": sorted({t.source for t in texts}),
    }
    info_path.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return _info(folder, meta)


def _info(folder: Path, meta: dict) -> CorpusInfo:
    stamp = meta["stamp"]
    return CorpusInfo(
        folder=folder,
        shards=tuple(folder / n for n in meta["shards"]),
        documents=meta["documents"],
        bytes=meta["bytes"],
        words=meta["words"],
        copies=meta["copies"],
        real_documents=stamp["real_documents"],
        real_bytes=stamp["real_bytes"],
        sources=tuple(meta["sources"]),
        eval_found=stamp["eval_found"],
    )


def iter_corpus(info: CorpusInfo) -> Iterator[tuple[str, str]]:
    """(doc_id, text) pairs of a written corpus, streamed shard by shard."""
    for shard in info.shards:
        with shard.open(encoding="utf-8") as fh:
            for line in fh:
                record = json.loads(line)
                yield record["id"], record["text"]


def chunk_novelty(texts: Iterable[str]) -> float:
    """Share of whitespace-delimited chunks not seen before in `texts`: roughly the tokenizer's
    cache-miss rate on this corpus."""
    seen: set[str] = set()
    total = new = 0
    for text in texts:
        for chunk in text.split():
            total += 1
            if chunk not in seen:
                seen.add(chunk)
                new += 1
    return new / total if total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=10.0, help="corpus size in MB of text")
    parser.add_argument("--out", type=Path, default=HERE / "corpus" / "c10")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    texts, eval_found = real_texts()
    if not eval_found:
        print(f"note: {EVAL} not found; the corpus repeats the seed texts only", file=sys.stderr)
    info = write_corpus(args.out, texts, int(args.mb * 1_000_000), eval_found, args.seed)
    print(
        f"{info.folder}: {info.documents} documents, {info.bytes / 1e6:.1f} MB, "
        f"{info.words} words, {len(info.shards)} shards, {info.copies} copies of "
        f"{info.real_documents} real documents"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
