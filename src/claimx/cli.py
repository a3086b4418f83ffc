"""claimx's command line: parsing, wiring and exit codes; the work is done in the library."""

from __future__ import annotations

import functools
import os
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from claimx import SCHEMA_VERSION, __version__
from claimx.errors import ClaimxError
from claimx.write import Format

app = typer.Typer(
    name="claimx",
    help=(
        "Extract what biomedical text claims about drugs (drug, dose, route, frequency, "
        "duration, condition, outcome statistics, direction, certainty, evidence) as tables.\n\n"
        "Example:\n\n    claimx extract data/raw && claimx summarize --by drug"
    ),
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
)

_STATE: dict[str, bool] = {"debug": False}


def _err(message: str) -> None:
    sys.stderr.write(f"claimx: {message}\n")
    sys.stderr.flush()


def _guard(func: Any) -> Any:
    """Run a command body: claimx errors -> one line on stderr and exit 1; Ctrl-C -> 130;
    a closed pipe (`| head`) -> a quiet exit."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ClaimxError as e:
            if _STATE["debug"]:
                raise
            _err(f"error: {e}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(0) from None

    return wrapper


def _quiet_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"claimx {__version__}\n")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    _STATE["debug"] = debug


class SummaryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


class By(str, Enum):
    drug = "drug"
    condition = "condition"
    route = "route"
    document = "document"
    claim = "claim"
    evidence = "evidence"


@app.command()
@_guard
def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files or folders (.txt, .md, .jsonl, PubMed or JATS .xml, .csv/.tsv; "
            ".gz of these) or - for stdin."
        ),
    ],
    output: Annotated[
        str, typer.Option("-o", "--output", help="Output folder, or - for standard output.")
    ] = "claimx-out",
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Table format (default: csv; jsonl with -o -)."),
    ] = None,
    rules: Annotated[
        str | None,
        typer.Option("--rules", help="Rules folder (default: $CLAIMX_RULES, then built-in)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="An installed spaCy/scispaCy model to use instead of the blank pipeline.",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Worker processes.")] = 1,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first input that fails.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Keep the output folder's rows and skip documents already in its manifest "
            "(by sha256); an interrupted --resume run keeps every finished document.",
        ),
    ] = False,
    text_column: Annotated[
        str, typer.Option("--text-column", help="The text column of CSV/TSV inputs.")
    ] = "text",
    id_column: Annotated[
        str | None,
        typer.Option("--id-column", help="The id column of CSV/TSV inputs (default: id, if any)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Extract mentions, regimens, statistics and claims from texts into tables.

    Examples:

        claimx extract data/raw            # CSV tables in claimx-out/

        claimx extract data/raw -o out --format json

        claimx extract data/raw -o - --format jsonl | jq .doc_id

    Exit status: 0 when every input was read, 1 when some failed (each named on stderr and in
    manifest.json) or on an error, 2 on a usage error.
    """
    from claimx.runner import RunOptions, RunReport, input_roots, merge_inputs, run_extract
    from claimx.write import StreamWriter, folder_writer

    if fmt is None:
        fmt = Format.jsonl if output == "-" else Format.csv
    options = RunOptions(
        rules=rules,
        model=model,
        jobs=jobs,
        strict=strict,
        text_column=text_column,
        id_column=id_column,
    )
    args = {
        "inputs": inputs,
        "output": output,
        "format": fmt.value,
        "jobs": jobs,
        "rules": rules,
        "model": model,
        "strict": strict,
        "resume": resume,
    }
    previous: list[dict[str, Any]] = []
    if output == "-":
        if resume:
            raise ClaimxError("--resume needs an output folder (-o DIR), not standard output")
        sink: Any = StreamWriter(sys.stdout, fmt)
        folder = None
    else:
        folder = Path(output)
        resolved = folder.resolve()
        for root in input_roots(inputs):
            if resolved == root or resolved.is_relative_to(root) and root.is_dir():
                raise ClaimxError(
                    f"output folder {output} is inside the input {root}; choose another -o"
                )
            if root.is_file() and root.is_relative_to(resolved):
                raise ClaimxError(
                    f"input {root} is inside the output folder {output}; choose another -o"
                )
        sink = folder_writer(folder, fmt)
        if resume:
            previous = _resume_from(folder, fmt, sink)
            options.skip = frozenset(
                (str(i.get("doc_id")), str(i["sha256"]))
                for i in previous
                if i.get("status") in ("ok", "skipped")
            )
    progress = _progress(quiet)
    interrupted = False
    report = RunReport()
    old_handler = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        run_extract(
            inputs,
            sink,
            options,
            on_failure=lambda f: _err(f"error: {f.source}: {f.reason}"),
            on_notice=lambda n: _err(f"warning: {n.source}: {n.message}"),
            on_progress=progress.update if progress else (lambda n: None),
            report=report,
        )
    except (KeyboardInterrupt, _Terminated) as e:
        if folder is None or not resume:
            if folder is not None:
                sink.abort()
            raise KeyboardInterrupt from e
        # --resume: keep what is finished (whole documents only) for the next run.
        interrupted = True
    except BaseException:
        if folder is not None:
            sink.abort()
        raise
    finally:
        if progress:
            progress.stop()
        signal.signal(signal.SIGTERM, old_handler)
    if folder is not None:
        manifest = report.manifest(sink, fmt.value, args, complete=not interrupted)
        manifest["inputs"] = merge_inputs(previous, manifest["inputs"])
        sink.commit(manifest)
    else:
        sink.close()
    if interrupted:
        _err("interrupted: finished documents kept; run again with --resume to go on")
        raise typer.Exit(130)
    if not quiet:
        where = "stdout" if folder is None else f"{output}/"
        _err(
            f"{report.documents} documents, {sink.rows['mentions']} mentions, "
            f"{sink.rows['claims']} claims -> {where}"
            + (f"; {report.failed} inputs failed" if report.failed else "")
        )
    if report.failed:
        raise typer.Exit(1)


class _Terminated(BaseException):
    """SIGTERM, turned into an exception so that outputs are cleaned up or kept whole (a
    BaseException, so that no `except Exception` on the way swallows it)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated()


def _resume_from(folder: Path, fmt: Format, sink: Any) -> list[dict[str, Any]]:
    """Carry a previous output's rows into `sink`; its manifest's input entries."""
    from claimx.write import read_manifest

    manifest = read_manifest(folder)
    if manifest is None:
        return []  # nothing to resume: a fresh run
    if manifest.get("format") != fmt.value:
        raise ClaimxError(
            f"{folder} holds --format {manifest.get('format')} output; resume with that format"
        )
    if str(manifest.get("schema_version")) != SCHEMA_VERSION:
        raise ClaimxError(
            f"{folder} holds output of table schema {manifest.get('schema_version')}, and this "
            f"claimx writes schema {SCHEMA_VERSION} (other columns); extract again without "
            "--resume, or into another folder"
        )
    sink.carry_over(folder)
    return [i for i in manifest.get("inputs", []) if i.get("status") in ("ok", "skipped")]


class _Progress:
    """A Rich progress display on stderr, shown only on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._p = Progress(
            SpinnerColumn(),
            TextColumn("{task.completed} documents"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._p.add_task("extract", total=None)
        self._p.start()

    def update(self, n: int) -> None:
        self._p.update(self._task, completed=n)

    def stop(self) -> None:
        self._p.stop()


def _progress(quiet: bool) -> _Progress | None:
    if quiet or not sys.stderr.isatty():
        return None
    return _Progress()


@app.command()
@_guard
def summarize(
    source: Annotated[
        str,
        typer.Argument(
            help="An output folder of `claimx extract`, a JSONL file of it, or - for stdin."
        ),
    ] = "claimx-out",
    by: Annotated[By, typer.Option("--by", help="What to group by.")] = By.drug,
    fmt: Annotated[
        SummaryFormat | None,
        typer.Option(
            "--format", "-f", help="Output format (default: a table on a terminal, else csv)."
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many related items per cell.")] = 3,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="Show at most this many rows.")
    ] = None,
    sort: Annotated[
        str | None, typer.Option("--sort", help="Sort by this column (e.g. certainty, evidence).")
    ] = None,
    descending: Annotated[bool, typer.Option("--desc", help="Sort in descending order.")] = False,
) -> None:
    """Summarize extracted tables with pandas.

    Examples:

        claimx summarize --by drug

        claimx summarize claimx-out --by condition --format json

        claimx summarize --by claim --sort certainty --limit 20

        claimx extract data/raw -o - --format jsonl | claimx summarize --by drug -
    """
    from claimx.summarize import read_tables, render
    from claimx.summarize import summarize as make_summary

    tables = read_tables(source)
    df = make_summary(tables, by.value, top=top)
    if sort is not None:
        if sort not in df.columns:
            raise ClaimxError(
                f"no column {sort!r} in the --by {by.value} summary; choose one of "
                + ", ".join(str(c) for c in df.columns)
            )
        df = df.sort_values(sort, ascending=not descending, kind="stable").reset_index(drop=True)
    if limit is not None:
        df = df.head(limit)
    chosen = fmt or (SummaryFormat.table if sys.stdout.isatty() else SummaryFormat.csv)
    if chosen is SummaryFormat.table:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"claimx summary by {by.value}", show_lines=False)
        for col in df.columns:
            table.add_column(str(col), overflow="fold")
        for row in df.itertuples(index=False):
            table.add_row(*(str(v) for v in row))
        Console().print(table)
    else:
        sys.stdout.write(render(df, chosen.value))


class EvalFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command()
@_guard
def evaluate(
    gold: Annotated[
        list[str], typer.Argument(help="Gold JSONL files (text, labels, label_scope, entities).")
    ],
    fmt: Annotated[
        EvalFormat, typer.Option("--format", "-f", help="Output format.")
    ] = EvalFormat.table,
    errors: Annotated[
        int,
        typer.Option("--errors", min=0, help="List up to N false positives and misses per label."),
    ] = 0,
    claims: Annotated[
        str | None,
        typer.Option(
            "--claims", help="Gold claims JSONL (e.g. data/gold/claims.jsonl) to score too."
        ),
    ] = None,
    rules: Annotated[str | None, typer.Option("--rules", help="Rules folder.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="An installed spaCy model.")] = None,
) -> None:
    """Score extraction against gold annotations: precision, recall and F1 per label,
    lenient (overlap) and strict (exact span).

    Examples:

        claimx evaluate data/gold/seeds.jsonl

        claimx evaluate ../shared/eval/bc5cdr.dev.jsonl --errors 10

        claimx evaluate data/gold/seeds.jsonl --claims data/gold/claims.jsonl --format json
    """
    import json

    from claimx.evaluate import render, render_errors
    from claimx.measure import measure

    result = measure(gold, errors=errors, claims_path=claims, rules=rules, model=model)
    if fmt is EvalFormat.json:
        payload: dict[str, Any] = {"scores": result.scores}
        if errors:
            payload["errors"] = result.errors
        if result.claims is not None:
            payload["claims"] = result.claims
        sys.stdout.write(json.dumps(payload, indent=1, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(render(result.scores, fmt.value))
    for path, examples in result.errors.items():
        sys.stdout.write(f"\nErrors in {path}:\n" + render_errors(examples, fmt.value))
    if result.claims is not None:
        c = result.claims
        pct = lambda x: "-" if x is None else f"{x:.3f}"  # noqa: E731
        sys.stdout.write(
            f"\nClaims ({claims}): {c['found']} of {c['gold']} gold claims found "
            f"(recall {pct(c['recall'])}); certainty right {pct(c['certainty_accuracy'])}, "
            f"evidence right {pct(c['evidence_accuracy'])}, negation right "
            f"{pct(c['negated_accuracy'])}; {c['predicted']} predicted, "
            f"{c['without_drug']} without a drug\n"
        )


class SchemaTable(str, Enum):
    document = "document"
    documents = "documents"
    sentences = "sentences"
    mentions = "mentions"
    regimens = "regimens"
    statistics = "statistics"
    claims = "claims"
    abbreviations = "abbreviations"


@app.command()
@_guard
def schema(
    table: Annotated[
        SchemaTable | None,
        typer.Argument(help="One table, or 'document' for the JSONL document object; default all."),
    ] = None,
) -> None:
    """Print the JSON Schema of the output: the JSONL document objects and every table.

    Examples:

        claimx schema

        claimx schema mentions | jq .properties
    """
    import json

    from claimx.schema import all_schemas, document_schema, table_schema

    if table is None:
        out: Any = all_schemas()
    elif table is SchemaTable.document:
        out = document_schema()
    else:
        out = table_schema(table.value)
    sys.stdout.write(json.dumps(out, indent=1, ensure_ascii=False) + "\n")


@app.command()
@_guard
def show(
    inputs: Annotated[list[str], typer.Argument(help="Files or folders to extract and show.")],
    html: Annotated[
        str, typer.Option("--html", help="Where to write the HTML page (- for stdout).")
    ] = "claimx-show.html",
    rules: Annotated[str | None, typer.Option("--rules", help="Rules folder.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="An installed spaCy model.")] = None,
) -> None:
    """Write an HTML page of the texts with every mention highlighted by label (rule id and
    normalized name on hover) and each claim, regimen and statistic under its sentence.

    Examples:

        claimx show data/raw/002_ba96b2c0e46765dd.txt --html view.html

        claimx show data/raw --html - > view.html
    """
    from claimx.extract import Extractor
    from claimx.load import Document, Failure, Notice, iter_documents
    from claimx.show import render_documents

    docs = []
    failed = 0
    for item in iter_documents(inputs):
        if isinstance(item, Failure):
            failed += 1
            _err(f"error: {item.source}: {item.reason}")
        elif isinstance(item, Notice):
            _err(f"warning: {item.source}: {item.message}")
        elif isinstance(item, Document):
            docs.append(item)
    extractor = Extractor(rules, model)
    results = extractor.process(docs)
    pages = [(d.text, r.tables()) for d, r in zip(docs, results, strict=True)]
    title = "claimx: " + (", ".join(inputs) if len(inputs) < 4 else f"{len(docs)} documents")
    page = render_documents(pages, title)
    if html == "-":
        sys.stdout.write(page)
    else:
        from claimx.write import write_text_atomic

        write_text_atomic(Path(html), page)
        _err(f"{len(docs)} documents -> {html}")
    if failed:
        raise typer.Exit(1)


def main() -> None:
    """Console entry point."""
    try:
        app()
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(0)
