"""One extraction run: inputs -> pipeline (in one process or several) -> a writer, with a
manifest of what was read, what failed and how long it took."""

from __future__ import annotations

import io
import itertools
import json
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from claimx import SCHEMA_VERSION, __version__
from claimx.errors import InputError
from claimx.load import Document, Failure, Notice, ReadOptions, iter_documents

# Documents per unit of work handed to a worker process: large enough to amortise the
# pickling of rows, small enough to keep memory flat and the progress bar moving.
WORK_BATCH = 24


class Sink(Protocol):
    """Where rows go. A sink that has `render_spec` (see write.render) also takes rows its
    worker processes already turned into text, through `write_rendered`."""

    rows: dict[str, int]

    def write(self, tables: dict[str, list[Any]]) -> None: ...


@dataclass
class RunOptions:
    rules: str | None = None
    model: str | None = None
    jobs: int = 1
    strict: bool = False
    # (doc_id, sha256) of documents already in the output (--resume): identity and content
    # together, so that two inputs with the same text are both kept.
    skip: frozenset[tuple[str, str]] = frozenset()
    text_column: str = "text"
    id_column: str | None = None


class InputLog:
    """The manifest's input entries in input order, spooled to a temporary file as they come:
    a run over millions of documents does not hold one dict per document.

    Entries arrive out of order (a failure is known when read, a document when its rows are
    written), so each waits in a small buffer until all before it are in.
    """

    def __init__(self) -> None:
        self._spool: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")
        self._waiting: dict[int, dict[str, Any]] = {}
        self._next = 1  # the position to write next (positions count inputs from 1)
        self.count = 0

    def add(self, entry: dict[str, Any], position: int) -> None:
        self._waiting[position] = entry
        self.count += 1
        while self._next in self._waiting:
            self._write(self._waiting.pop(self._next))
            self._next += 1

    def _write(self, entry: dict[str, Any]) -> None:
        self._spool.write(json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n")

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        """Every entry in input order (an interrupted run leaves gaps: what came after them
        follows in order too)."""
        for position in sorted(self._waiting):
            self._write(self._waiting.pop(position))
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            yield json.loads(line)
        self._spool.seek(0, io.SEEK_END)


@dataclass
class RunReport:
    """What happened, for the manifest and the exit status."""

    inputs: InputLog = field(default_factory=InputLog)
    seen: int = 0
    documents: int = 0
    failed: int = 0
    skipped: int = 0
    words: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    def add(self, entry: dict[str, Any], position: int) -> None:
        """Record one input's outcome at its position among the inputs."""
        self.inputs.add(entry, position)

    def manifest(
        self, sink: Sink, fmt: str, args: dict[str, Any], complete: bool = True
    ) -> dict[str, Any]:
        return {
            "claimx_version": __version__,
            "schema_version": SCHEMA_VERSION,
            "format": fmt,
            "options": args,
            "documents": self.documents,
            "failed": self.failed,
            "skipped": self.skipped,
            "complete": complete,
            "inputs": self.inputs,  # streamed into the file by write.write_manifest
            "rows": dict(sink.rows),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


# Worker processes each build one pipeline at start and keep it: this per-process slot is the
# multiprocessing initializer's only way to hand it to the tasks that follow.
_WORKER: dict[str, Any] = {}


def _worker_init(
    rules: str | None, model: str | None, render_spec: tuple[Any, bool] | None
) -> None:
    import signal

    from claimx.extract import Extractor

    # The parent decides what an interruption means (clean up, or keep finished documents);
    # a worker just stops when the pool terminates it, and leaves Ctrl-C to the parent.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER["render_spec"] = render_spec
    try:
        _WORKER["extractor"] = Extractor(rules, model)
    except Exception as e:  # noqa: BLE001  reported by the first task, not by a respawn loop
        # An initializer that raises makes the pool respawn the worker forever; keep the
        # error and let the first task raise it in the parent instead.
        _WORKER["error"] = e


def _worker_run(batch: list[Document]) -> list[Any]:
    """Each document's rows, rendered as the sink's text where it can take that (see
    write.render), or else as tuples (records.pack_tables)."""
    from claimx.records import pack_tables
    from claimx.write import render

    if "error" in _WORKER:
        raise _WORKER["error"]
    extractor = _WORKER["extractor"]
    spec = _WORKER["render_spec"]
    if spec is not None:
        return [render(r.tables(), *spec) for r in extractor.process(batch)]
    return [pack_tables(r.tables()) for r in extractor.process(batch)]


def _batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    batch: list[Document] = []
    for d in docs:
        batch.append(d)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_extract(
    paths: list[str],
    sink: Sink,
    options: RunOptions,
    *,
    on_failure: Callable[[Failure], None],
    on_notice: Callable[[Notice], None],
    on_progress: Callable[[int], None] = lambda n: None,
    stdin: object = None,
    report: RunReport | None = None,
) -> RunReport:
    """Extract every readable document of `paths` into `sink`, in input order.

    A document is listed as "ok" in the report only once its rows are written, so that the
    report of an interrupted run describes exactly what its output holds. Pass your own
    `report` to keep it when the run is interrupted.
    """
    report = report if report is not None else RunReport()
    t0 = time.perf_counter()
    order: dict[str, int] = {}  # doc_id -> position among the inputs

    def documents() -> Iterator[Document]:
        read = ReadOptions(options.text_column, options.id_column, options.rules)
        for item in iter_documents(paths, stdin=stdin, options=read):
            if isinstance(item, Notice):
                on_notice(item)
                continue
            report.seen += 1
            if isinstance(item, Failure):
                report.failed += 1
                report.add(
                    {"source": item.source, "status": "error", "reason": item.reason}, report.seen
                )
                if options.strict:  # one line says both what failed and that the run stops
                    raise InputError(f"{item.source}: {item.reason} (stopped: --strict)")
                on_failure(item)
            elif (item.doc_id, item.sha256) in options.skip:
                report.skipped += 1
                report.add(
                    {
                        "source": item.source,
                        "doc_id": item.doc_id,
                        "sha256": item.sha256,
                        "status": "skipped",
                        "reason": "already in the output (--resume)",
                    },
                    report.seen,
                )
            else:
                order[item.doc_id] = report.seen
                report.words += len(item.text.split())
                yield item

    def written(tables: Any) -> None:
        """Write one document's rows (a dict of tables, or write.Rendered text)."""
        # A document's rows and its manifest entry go together or not at all: Ctrl-C or
        # SIGTERM arriving in between would leave rows the manifest does not list (and that a
        # --resume run would write again).
        with _signals_deferred():
            if isinstance(tables, dict):
                sink.write(tables)
                row = tables["documents"][0]
            else:
                sink.write_rendered(tables)  # type: ignore[attr-defined]
                row = tables
            report.add(
                {"source": row.source, "doc_id": row.doc_id, "sha256": row.sha256, "status": "ok"},
                order.pop(row.doc_id, report.seen),
            )
            report.documents += 1

    if options.jobs <= 1:
        from claimx.extract import Extractor

        extractor = Extractor(options.rules, options.model)
        report.timings["pipeline_load_s"] = time.perf_counter() - t0
        for result in extractor.process(documents()):
            written(result.tables())
            on_progress(report.documents)
    else:
        import multiprocessing as mp

        from claimx.records import unpack_tables

        # Fresh interpreters, not forks: a fork copies the parent's threads' locks (a progress
        # display, a test runner) and its signal handlers into every worker.
        ctx = mp.get_context("spawn")
        spec = getattr(sink, "render_spec", None)
        with ctx.Pool(options.jobs, _worker_init, (options.rules, options.model, spec)) as pool:
            report.timings["pipeline_load_s"] = time.perf_counter() - t0
            # imap keeps input order, so the output is the same whatever --jobs is.
            for results in pool.imap(_worker_run, _batches(documents(), WORK_BATCH)):
                for result in results:
                    written(result if spec is not None else unpack_tables(result))
                on_progress(report.documents)
    report.timings["total_s"] = time.perf_counter() - t0
    extract_s = report.timings["total_s"] - report.timings.get("pipeline_load_s", 0.0)
    report.timings["extract_s"] = extract_s
    if extract_s > 0 and report.documents:
        report.timings["documents_per_s"] = report.documents / extract_s
        report.timings["words_per_s"] = report.words / extract_s
    return report


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block is done (they are delivered right after)."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def merge_inputs(
    previous: list[dict[str, Any]], current: Iterable[dict[str, Any]]
) -> Iterable[dict[str, Any]]:
    """A resumed run's manifest inputs: the previous run's documents, then this run's, with
    "skipped" entries dropped where the previous run lists the document as ok."""
    if not previous:
        return current
    kept = [{**e, "status": "ok"} if e.get("status") == "skipped" else e for e in previous]
    kept = [{k: v for k, v in e.items() if k != "reason"} for e in kept]
    known = {(e.get("doc_id"), e.get("sha256")) for e in kept}
    return itertools.chain(
        kept,
        (
            e
            for e in current
            if not (e.get("status") == "skipped" and (e.get("doc_id"), e.get("sha256")) in known)
        ),
    )


def input_roots(paths: list[str]) -> list[Path]:
    """Resolved folders and files being read (to keep the output out of them)."""
    return [Path(p).resolve() for p in paths if p != "-"]
