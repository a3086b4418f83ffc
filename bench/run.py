"""claimx benchmark (`make bench`): end-to-end throughput against floors measured in the same run.

Builds a corpus of real text (bench/make_corpus.py) and measures, one after the other on an
otherwise idle machine:

- floors, in this process, over texts already in memory: reading the corpus files, spaCy's blank
  tokenizer, scispaCy's tokenizer, and the pipeline without claimx's recognizers (tokenizer +
  claimx_sentences + abbreviation_detector);
- claimx in this process: the whole pipeline with its rows, and each component's share (every
  component timed on every document, then the Doc-to-rows stages);
- `claimx extract` as a user runs it (a child process; its own manifest gives the steady-state
  rate without start-up): --jobs 1 and --jobs 2, byte-identical output, a --resume re-run,
  peak memory (ru_maxrss of the child) on the 10 MB corpus and on a larger one;
- cold start: `claimx --help` and the first document out of `claimx extract FILE -o -`;
- the sentence splitters: claimx_sentences vs scispaCy's pysbd_sentencizer vs spaCy's
  sentencizer, speed and agreement on the real texts;
- a cProfile of the pipeline's top costs (file:line).

Writes bench/results.md (and bench/results.json). Usage:

    python bench/run.py            # full run: 10 MB + 100 MB corpora (about 10 minutes, 2 cores)
    python bench/run.py --quick    # 2 MB + 6 MB, fewer repeats (about 2 minutes)
"""

from __future__ import annotations

import argparse
import cProfile
import filecmp
import importlib.metadata
import io
import json
import os
import platform
import pstats
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import make_corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS_DIR = HERE / "corpus"
PUBMED_BASELINE_ABSTRACTS = 36_000_000
PACKAGES = ("claimx", "spacy", "scispacy", "thinc", "numpy", "pyahocorasick", "pysbd", "typer")
# The targets, checked in the summary.
TARGET_RATIO = 0.40
TARGET_HELP_S = 0.3
TARGET_FIRST_DOC_S = 1.5
TARGET_PEAK_MB = 500.0
TARGET_FLAT = 0.10
TARGET_SCALING = 1.7


@dataclass
class Rate:
    """One timed pass over a corpus."""

    name: str
    seconds: float  # wall clock
    cpu_s: float  # CPU time of this process: robust when other work shares the machine
    words: int
    documents: int
    note: str = ""

    @property
    def words_per_s(self) -> float:
        return self.words / self.seconds if self.seconds > 0 else 0.0

    @property
    def words_per_cpu_s(self) -> float:
        return self.words / self.cpu_s if self.cpu_s > 0 else 0.0

    @property
    def documents_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0


@dataclass
class Child:
    """A finished child process: wall time, peak memory, what it said."""

    cmd: list[str]
    wall_s: float
    cpu_s: float  # user + system, of the child and the children it waited for
    maxrss_mb: float
    returncode: int
    stdout: bytes
    stderr: str
    tree_peak_mb: float | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass
class Results:
    machine: dict[str, Any] = field(default_factory=dict)
    corpus: dict[str, Any] = field(default_factory=dict)
    floors: list[Rate] = field(default_factory=list)
    components: list[tuple[str, float, float]] = field(default_factory=list)
    component_words: int = 0
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    cold: dict[str, Any] = field(default_factory=dict)
    splitters: dict[str, Any] = field(default_factory=dict)
    profile: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timeout: float = 900.0
    load: dict[str, Any] = field(default_factory=dict)


# --- the machine -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """Cores, CPU model, memory, OS, Python and package versions, git commit."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no", "src", "rules")
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "nproc": os.cpu_count(),
        "usable_cores": affinity,
        "cpu": cpu or "unknown",
        "memory_gb": round(mem_gb, 1) if mem_gb else None,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": versions,
        "commit": (commit or "unknown") + (" (src/rules modified)" if dirty else ""),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def busy_cpu_s() -> float | None:
    """CPU-seconds the whole machine has spent busy since boot (/proc/stat), or None."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_s() -> float:
    """CPU-seconds of this process and its finished children."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _others(load: dict[str, Any]) -> str:
    others = load.get("others_cpu_s")
    if others is None:
        return ""
    share = others / load["wall_s"] if load.get("wall_s") else 0.0
    text = (
        f"Other processes used {others:,.0f} CPU-seconds during the run "
        f"({share:.0%} of one core on average)"
    )
    if share > 0.1:
        text += ": **the machine was not idle, so these numbers are noisy**"
    return text + "."


def source_fingerprint() -> str:
    """A hash of every file under src/ and rules/ (names, sizes, mtimes): if it changes during
    the run, the runs being compared did not run the same code."""
    import hashlib

    h = hashlib.sha256()
    for top in (ROOT / "src", ROOT / "rules"):
        for p in sorted(top.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                st = p.stat()
                h.update(f"{p.relative_to(ROOT)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip()


# --- child processes -------------------------------------------------------------------------


def claimx_cmd() -> list[str]:
    """The `claimx` console script next to this interpreter, else `python -m claimx`."""
    script = Path(sys.executable).parent / "claimx"
    return [str(script)] if script.exists() else [sys.executable, "-m", "claimx"]


def run_child(
    cmd: list[str],
    sample_tree: bool = False,
    cwd: Path = ROOT,
    timeout: float = 900.0,
    env_extra: dict[str, str] | None = None,
) -> Child:
    """Run `cmd` (with `env_extra` added to its environment) to the end; its own peak RSS
    comes from wait4 (this child and the children it waited for, each on its own: ru_maxrss is a
    maximum, not a sum). With `sample_tree`, the summed PSS of the child and all its descendants
    is also sampled every 50 ms. A child still running after `timeout` seconds is killed with its
    process group (exit code -9)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            start_new_session=True,
            env={**os.environ, **env_extra} if env_extra else None,
        )
        peak = _TreeSampler(proc.pid) if sample_tree else None
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                err.write(f"\n[bench: killed after {timeout:.0f} s]".encode())
                break
            time.sleep(0.002)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        tree_peak = peak.stop() if peak else None
        out.seek(0)
        err.seek(0)
        return Child(
            cmd,
            wall,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,  # kB on Linux
            proc.returncode,
            out.read(),
            err.read().decode("utf-8", "replace"),
            tree_peak,
        )


def _pss(proc: Any) -> int:
    """Proportional set size (pages shared with the forked workers counted once over all of
    them), else RSS where the platform has no PSS."""
    try:
        return int(proc.memory_full_info().pss)
    except AttributeError:
        return int(proc.memory_info().rss)


class _TreeSampler:
    """Samples the summed PSS of a process and its descendants in a thread (psutil)."""

    def __init__(self, pid: int) -> None:
        self.peak = 0.0
        self._stop = threading.Event()
        try:
            import psutil
        except ImportError:
            self._thread = None
            return
        self._psutil = psutil
        self._pid = pid
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        psutil = self._psutil
        try:
            root = psutil.Process(self._pid)
        except psutil.Error:
            return
        while not self._stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += _pss(p)
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total / 2**20)
            except psutil.Error:
                return
            self._stop.wait(0.05)

    def stop(self) -> float | None:
        if self._thread is None:
            return None
        self._stop.set()
        self._thread.join()
        return self.peak


# --- floors and the pipeline in this process ---------------------------------------------------


def time_pass(
    name: str, func: Callable[[], Any], words: int, documents: int, note: str = ""
) -> Rate:
    t0, c0 = time.perf_counter(), time.process_time()
    func()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return Rate(name, wall, cpu, words, documents, note)


def consume(iterable: Iterable[Any]) -> None:
    for _ in iterable:
        pass


def blank_nlp() -> Any:
    import spacy

    return spacy.blank("en")


def scispacy_nlp() -> Any:
    import warnings

    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp = blank_nlp()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        nlp.tokenizer = combined_rule_tokenizer(nlp)
    return nlp


def add_claimx_sentences(nlp: Any) -> None:
    from spacy.language import Language

    from claimx.pipeline import split_sentences

    if not Language.has_factory("claimx_sentences"):
        Language.component("claimx_sentences")(split_sentences)
    nlp.add_pipe("claimx_sentences")


def base_nlp() -> Any:
    """scispaCy's tokenizer, claimx_sentences and scispaCy's abbreviation detector as shipped
    (claimx's own base pipeline is claimx.pipeline.base_nlp)."""
    from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  (registers it)

    nlp = scispacy_nlp()
    add_claimx_sentences(nlp)
    nlp.add_pipe("abbreviation_detector")
    return nlp


def floors(info: make_corpus.CorpusInfo, texts: list[str], real: list[str], res: Results) -> None:
    """Reading, tokenizers and the base pipeline; each pipeline is built fresh (a new Vocab, so
    no tokenizer cache carries over from one pass to the next)."""
    from claimx.load import iter_documents

    words, docs = info.words, info.documents
    res.floors.append(
        time_pass(
            "read the corpus files (bytes)",
            lambda: [p.read_bytes() for p in info.shards],
            words,
            docs,
            "OS file cache warm",
        )
    )
    res.floors.append(
        time_pass(
            "read + parse documents (claimx.load)",
            lambda: consume(iter_documents([str(info.folder)])),
            words,
            docs,
            "JSONL parsing, decoding, sha256",
        )
    )
    nlp = blank_nlp()
    res.floors.append(
        time_pass("spaCy blank tokenizer", lambda: consume(nlp.pipe(texts)), words, docs)
    )
    nlp = scispacy_nlp()
    real_words = sum(len(t.split()) for t in real)
    res.floors.append(
        time_pass(
            "scispaCy tokenizer, real text once (cold cache)",
            lambda: consume(nlp.pipe(real)),
            real_words,
            len(real),
            "the unrepeated texts: the tokenizer cache rarely hits",
        )
    )
    nlp = scispacy_nlp()
    res.floors.append(
        time_pass("scispaCy tokenizer alone", lambda: consume(nlp.pipe(texts)), words, docs)
    )
    nlp = scispacy_nlp()
    add_claimx_sentences(nlp)
    res.floors.append(
        time_pass("+ claimx_sentences", lambda: consume(nlp.pipe(texts)), words, docs)
    )
    nlp = base_nlp()
    res.floors.append(
        time_pass(
            "+ abbreviation_detector as scispaCy ships it",
            lambda: consume(nlp.pipe(texts)),
            words,
            docs,
        )
    )
    from claimx.pipeline import base_nlp as claimx_base_nlp

    nlp = claimx_base_nlp(span_group=False, lexical_attributes=False)
    res.floors.append(
        time_pass(
            "+ abbreviation_detector as claimx runs it (pipeline without claimx recognizers)",
            lambda: consume(nlp.pipe(texts)),
            words,
            docs,
            "scispaCy's algorithm; bracket pairs and short forms found on the token array; "
            "of spaCy's lexical attributes only is_space computed for new words",
        )
    )


def claimx_in_process(
    info: make_corpus.CorpusInfo, texts: list[tuple[str, str]], res: Results
) -> bool:
    """The whole pipeline with rows, in this process; then each component's share."""
    from claimx.extract import Extractor, analyze, assemble
    from claimx.load import Document, sha256_text

    try:
        extractor = Extractor()
    except Exception as e:  # noqa: BLE001  (any failure means: report it, bench the rest)
        res.problems.append(f"the claimx pipeline does not build: {type(e).__name__}: {e}")
        return False
    documents = [Document(i, t, i, sha256_text(t)) for i, t in texts]
    # Each component on each document, one at a time (as Extractor.process does, without
    # nlp.pipe's batching), timed in CPU time and wall time.
    nlp = extractor.nlp
    names = ["tokenizer", *nlp.pipe_names, "rows: analyze", "rows: assemble"]
    cpu = dict.fromkeys(names, 0.0)
    wall = dict.fromkeys(names, 0.0)
    procs = list(nlp.pipeline)
    cpu_clock, wall_clock = time.process_time, time.perf_counter

    def timed(name: str, func: Callable[[], Any]) -> Any:
        c0, w0 = cpu_clock(), wall_clock()
        out = func()
        cpu[name] += cpu_clock() - c0
        wall[name] += wall_clock() - w0
        return out

    for document in documents:
        doc = timed("tokenizer", lambda: nlp.make_doc(document.text))  # noqa: B023
        for name, proc in procs:
            doc = timed(name, lambda: proc(doc))  # noqa: B023
        piece = timed("rows: analyze", lambda: analyze(doc, 0))  # noqa: B023
        timed("rows: assemble", lambda: assemble(document, [piece]))  # noqa: B023
    res.components = [(n, wall[n], cpu[n]) for n in names]
    res.component_words = info.words
    res.floors.append(
        Rate(
            "claimx pipeline + rows in-process (the per-component pass; no reading or writing)",
            sum(wall.values()),
            sum(cpu.values()),
            info.words,
            info.documents,
        )
    )
    return True


def profile_pipeline(texts: list[tuple[str, str]], res: Results, top: int = 25) -> str:
    """cProfile of Extractor.process over `texts`: the top functions by own time, file:line."""
    from claimx.extract import Extractor
    from claimx.load import Document, sha256_text

    extractor = Extractor()
    documents = [Document(i, t, i, sha256_text(t)) for i, t in texts]
    prof = cProfile.Profile()
    prof.enable()
    consume(extractor.process(documents))
    prof.disable()
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (path, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "where": f"{_short(path)}:{line}",
                "function": func,
                "calls": nc,
                "own_s": tt,
                "cumulative_s": ct,
                "own_share": tt / total if total else 0.0,
            }
        )
    rows.sort(key=lambda r: -r["own_s"])
    res.profile = rows[:top]
    res.notes.append(
        f"cProfile over {len(texts)} documents: {total:.1f} s of profiled time "
        "(cProfile slows Python code roughly 2x; compare shares, not seconds)"
    )
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
    return buf.getvalue()


def _short(path: str) -> str:
    for marker in ("site-packages/", "/src/", "/lib/python"):
        k = path.find(marker)
        if k != -1:
            return path[k + len(marker) :] if marker != "/lib/python" else path[k + 1 :]
    return path


# --- sentence splitters --------------------------------------------------------------------------


def sentence_starts(doc: Any) -> set[int]:
    """Character offsets where a sentence starts (its first non-space token), but the first."""
    starts = set()
    for sent in doc.sents:
        for tok in sent:
            if not tok.is_space:
                starts.add(tok.idx)
                break
    first = next((t.idx for t in doc if not t.is_space), 0)
    starts.discard(first)
    return starts


def compare_splitters(real: list[str], res: Results, examples: int = 4) -> None:
    """Speed of each splitter alone (on pre-tokenized Docs) and agreement of their boundaries."""
    from scispacy.custom_sentence_segmenter import pysbd_sentencizer
    from spacy.pipeline import Sentencizer

    from claimx.pipeline import split_sentences

    nlp = scispacy_nlp()
    splitters: dict[str, Callable[[Any], Any]] = {
        "claimx_sentences": split_sentences,
        "pysbd_sentencizer (scispaCy)": pysbd_sentencizer,
        "sentencizer (spaCy)": Sentencizer(),
    }
    words = sum(len(t.split()) for t in real)
    bounds: dict[str, list[set[int]]] = {}
    speed = {}
    for name, func in splitters.items():
        docs = [nlp.make_doc(t) for t in real]
        t0 = time.process_time()
        docs = [func(d) for d in docs]
        seconds = time.process_time() - t0
        speed[name] = {
            "cpu_s": seconds,
            "words_per_cpu_s": words / seconds if seconds else 0.0,
            "sentences": sum(1 for d in docs for _ in d.sents),
        }
        bounds[name] = [sentence_starts(d) for d in docs]
    base = "claimx_sentences"
    pairs = {}
    for other in splitters:
        if other == base:
            continue
        both = only_base = only_other = 0
        shown: list[str] = []
        shown_other: list[str] = []
        for text, a, b in zip(real, bounds[base], bounds[other], strict=True):
            both += len(a & b)
            only_base += len(a - b)
            only_other += len(b - a)
            if len(shown) < examples:
                shown.extend(_context(text, k) for k in sorted(a - b)[:1])
            if len(shown_other) < examples:
                shown_other.extend(_context(text, k) for k in sorted(b - a)[:1])
        union = both + only_base + only_other
        pairs[other] = {
            "agree": both,
            "only_claimx": only_base,
            "only_other": only_other,
            "agreement": both / union if union else 1.0,
            "examples_only_claimx": shown[:examples],
            "examples_only_other": shown_other[:examples],
        }
    res.splitters = {"words": words, "documents": len(real), "speed": speed, "pairs": pairs}


def _context(text: str, k: int, before: int = 45, after: int = 30) -> str:
    left = text[max(0, k - before) : k].replace("\n", "⏎")
    right = text[k : k + after].replace("\n", "⏎")
    return f"…{left} ‖ {right}…"


# --- claimx extract as a user runs it -------------------------------------------------------------


def extract_run(
    name: str,
    info: make_corpus.CorpusInfo,
    out: Path,
    jobs: int,
    res: Results,
    extra: tuple[str, ...] = (),
    sample_tree: bool = False,
) -> Child:
    cmd = [
        *claimx_cmd(),
        "extract",
        str(info.folder),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
        "-q",
        *extra,
    ]
    child = run_child(cmd, sample_tree=sample_tree, timeout=res.timeout)
    entry: dict[str, Any] = {
        "corpus_mb": info.bytes / 1e6,
        "documents": info.documents,
        "words": info.words,
        "jobs": jobs,
        "wall_s": child.wall_s,
        "cpu_s": child.cpu_s,
        "maxrss_mb": child.maxrss_mb,
        "tree_peak_mb": child.tree_peak_mb,
        "returncode": child.returncode,
    }
    manifest_path = out / "manifest.json"
    if child.ok and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        timings = manifest.get("timings", {})
        entry["extract_s"] = timings.get("extract_s")
        entry["pipeline_load_s"] = timings.get("pipeline_load_s")
        entry["manifest_documents"] = manifest.get("documents")
        entry["skipped"] = manifest.get("skipped")
        entry["rows"] = manifest.get("rows")
    else:
        res.problems.append(
            f"`{' '.join(cmd[-8:])}` exited {child.returncode}: {child.stderr.strip()[-600:]}"
        )
    res.runs[name] = entry
    return child


def same_tables(a: Path, b: Path) -> tuple[bool, list[str]]:
    """Whether two output folders hold byte-identical tables (the manifest's timings differ)."""
    names = sorted(p.name for p in a.iterdir() if p.name != "manifest.json")
    other = sorted(p.name for p in b.iterdir() if p.name != "manifest.json")
    if names != other:
        return False, sorted(set(names) ^ set(other))
    _, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    return not mismatch and not errors, mismatch + errors


LOAD_VOCABULARIES = (
    "from claimx.recognize.lexicon import load_lexicon; from claimx.rules import rules_dir; "
    "load_lexicon(rules_dir())"
)


def byte_compile_claimx() -> bool:
    """Compile claimx's modules to bytecode, as pip does when it installs claimx's wheel. An
    editable install under PYTHONDONTWRITEBYTECODE=1 (as on the machines here) would otherwise
    compile them from source in every process, which no installed claimx does."""
    import compileall

    import claimx

    return bool(compileall.compile_dir(Path(claimx.__file__).parent, quiet=1))


def cold_start(seed: Path, repeats: int, res: Results) -> None:
    """`claimx --help` and the first document out of `claimx extract FILE -o -`: median wall."""
    if byte_compile_claimx():
        res.notes.append(
            "Cold start and the runs below use claimx's modules compiled to bytecode, as pip "
            "leaves an installed claimx (compileall, before the first timing)."
        )
    else:
        res.problems.append("claimx's modules could not be compiled to bytecode")
    base = claimx_cmd()
    helps = [run_child([*base, "--help"]) for _ in range(repeats)]
    firsts = [
        run_child([*base, "extract", str(seed), "-o", "-", "--format", "jsonl", "-q"])
        for _ in range(repeats)
    ]
    imports = [
        run_child([sys.executable, "-c", "import spacy, scispacy.abbreviation"])
        for _ in range(repeats)
    ]
    # The drug and condition vocabularies alone: loaded from the user cache (every run after
    # the first), and built from rules/lexicons/ with no cache (the first run, or after an edit).
    with tempfile.TemporaryDirectory() as empty_cache:
        vocab_builds = [
            run_child([sys.executable, "-c", LOAD_VOCABULARIES], env_extra={"CLAIMX_CACHE": d})
            for d in [empty_cache + f"/{k}" for k in range(max(1, repeats // 2))]
        ]
    vocab_loads = [run_child([sys.executable, "-c", LOAD_VOCABULARIES]) for _ in range(repeats)]
    runs_by_label = (
        ("help", helps),
        ("first_document", firsts),
        ("import_spacy", imports),
        ("vocabularies_cached", vocab_loads),
        ("vocabularies_built", vocab_builds),
    )
    for label, runs in runs_by_label:
        bad = [r for r in runs if not r.ok]
        if bad:
            res.problems.append(
                f"cold start `{label}` exited {bad[0].returncode}: {bad[0].stderr[-400:]}"
            )
        res.cold[label] = {
            "median_s": statistics.median(r.wall_s for r in runs),
            "min_s": min(r.wall_s for r in runs),
            "median_cpu_s": statistics.median(r.cpu_s for r in runs),
            "maxrss_mb": max(r.maxrss_mb for r in runs),
            "runs": len(runs),
        }
    out = firsts[-1].stdout.decode("utf-8", "replace").strip().splitlines()
    res.cold["first_document"]["output_lines"] = len(out)


# --- the report ----------------------------------------------------------------------------------


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**not met**")


def startup_cpu_s(res: Results) -> float:
    """CPU-seconds `claimx extract` spends before its first document (imports, rules, pipeline):
    the CPU time of the one-seed-file run, which is almost all start-up."""
    first = res.cold.get("first_document", {})
    return float(first.get("median_cpu_s") or 0.0)


def summary(res: Results) -> dict[str, Any]:
    """The numbers the targets are about."""
    by_name = {r.name: r for r in res.floors}
    tok = by_name.get("scispaCy tokenizer alone")
    j1 = res.runs.get("jobs1", {})
    j2 = res.runs.get("jobs2", {})
    big = res.runs.get("large", {})
    out: dict[str, Any] = {}
    if j1.get("extract_s"):
        words = j1["words"]
        out["e2e_words_per_s"] = words / j1["extract_s"]
        out["e2e_docs_per_s"] = j1["documents"] / j1["extract_s"]
        steady_cpu = j1["cpu_s"] - startup_cpu_s(res)
        out["e2e_words_per_cpu_s"] = words / steady_cpu if steady_cpu > 0 else None
        out["e2e_docs_per_cpu_s"] = j1["documents"] / steady_cpu if steady_cpu > 0 else None
        if tok:
            out["ratio_wall"] = out["e2e_words_per_s"] / tok.words_per_s
            if out["e2e_words_per_cpu_s"]:
                out["ratio_cpu"] = out["e2e_words_per_cpu_s"] / tok.words_per_cpu_s
    if j1.get("extract_s") and j2.get("extract_s"):
        out["scaling"] = j1["extract_s"] / j2["extract_s"]
        out["parallel_cpu_overhead"] = j2["cpu_s"] / j1["cpu_s"] - 1
        # With every process busy all the time on two free cores, --jobs 2 could at best finish
        # in half its CPU-seconds: the most its extra CPU work leaves of the ideal 2x.
        out["scaling_cpu_bound"] = 2 * j1["cpu_s"] / j2["cpu_s"]
    if j1.get("maxrss_mb"):
        out["peak_mb"] = j1["maxrss_mb"]
    if big.get("tree_peak_mb") and j2.get("tree_peak_mb"):
        out["flat_tree"] = big["tree_peak_mb"] / j2["tree_peak_mb"] - 1
        out["flat_maxrss"] = big["maxrss_mb"] / j2["maxrss_mb"] - 1
    if "help" in res.cold:
        out["help_s"] = res.cold["help"]["median_s"]
        out["first_doc_s"] = res.cold["first_document"]["median_s"]
    return out


def render(res: Results, args: argparse.Namespace) -> str:
    s = summary(res)
    m = res.machine
    c = res.corpus
    busy = (res.load.get("others_cpu_s") or 0.0) / max(res.load.get("wall_s") or 1.0, 1.0) > 0.1
    lines = [
        "# claimx benchmark results",
        "",
        f"Written by `python bench/run.py {' '.join(args.argv)}`".rstrip()
        + f" on {m['date']}; every number below was measured in this one run. Re-run with "
        "`make bench` (`python bench/run.py --quick` for a 2-minute check).",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}; {m['nproc']} logical cores ({m['usable_cores']} usable); "
        f"{m['memory_gb']} GB memory; {m['os']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- claimx commit {m['commit']}",
        f"- Load average (1 min) at the start: {res.load['start'][0]:.2f}. " + _others(res.load),
        "",
        "Throughput is given per wall-clock second and per CPU-second. CPU-seconds (this "
        "process's, or a child's user + system time) hardly change when other work shares the "
        "machine, so the ratios below use them; wall-clock rates are right only on an idle "
        "machine, and so is the --jobs scaling, which can only be measured in wall-clock time.",
        "",
        "## Corpus",
        "",
        f"- {c['documents']:,} documents, {c['mb']:.1f} MB, {c['words']:,} words "
        f"({c['words_per_doc']:.0f} words per document), in {c['shards']} JSONL shards under "
        "bench/corpus/ (git-ignored).",
        f"- Real text: {c['real_documents']} documents ({c['real_mb']:.2f} MB) from "
        f"{', '.join(c['sources'])}; {c['copies']} copies, each after the first shuffled and with "
        "new digits in every number (see bench/make_corpus.py).",
        f"- Share of whitespace chunks not seen before (the tokenizer cache's miss rate): "
        f"{c['novelty']:.1%} in this corpus, {c['real_novelty']:.1%} in the real text once, "
        f"{c['plain_repeat_novelty']:.1%} had the copies been verbatim.",
    ]
    if not c["eval_found"]:
        lines.append(
            "- **../shared/eval was not found: the corpus repeats the seed texts only**, so its "
            "vocabulary is small and the tokenizer numbers are flattered."
        )
    lines += ["", "## Targets", "", "| target | measured | |", "|---|---|---|"]

    def row(label: str, value: str, ok: bool | None) -> None:
        lines.append(f"| {label} | {value} | {verdict(ok)} |")

    ratio = s.get("ratio_cpu")
    row(
        f"end-to-end >= {TARGET_RATIO:.0%} of scispaCy tokenizer-alone throughput",
        f"{ratio:.0%} per CPU-second ({s['ratio_wall']:.0%} per wall-clock second)"
        if ratio
        else "-",
        None if ratio is None else ratio >= TARGET_RATIO,
    )
    help_s = s.get("help_s")
    row(
        f"`claimx --help` < {TARGET_HELP_S} s",
        f"{help_s:.2f} s" if help_s else "-",
        None if help_s is None else help_s < TARGET_HELP_S,
    )
    first = s.get("first_doc_s")
    row(
        f"first document out < {TARGET_FIRST_DOC_S} s",
        f"{first:.2f} s" if first else "-",
        None if first is None else first < TARGET_FIRST_DOC_S,
    )
    peak = s.get("peak_mb")
    row(
        f"peak memory < {TARGET_PEAK_MB:.0f} MB (--jobs 1, {c['mb']:.0f} MB corpus)",
        f"{peak:.0f} MB" if peak else "-",
        None if peak is None else peak < TARGET_PEAK_MB,
    )
    flat = s.get("flat_tree")
    big = res.runs.get("large", {})
    row(
        f"memory flat: {big.get('corpus_mb', 0):.0f} MB corpus within {TARGET_FLAT:.0%} of "
        f"{res.runs.get('jobs2', {}).get('corpus_mb', 0):.0f} MB (--jobs 2, all processes)",
        f"{flat:+.1%} (largest single process {s['flat_maxrss']:+.1%})"
        if flat is not None
        else "-",
        None if flat is None else flat <= TARGET_FLAT,
    )
    scaling = s.get("scaling")
    row(
        f"--jobs 2 >= {TARGET_SCALING}x --jobs 1 (wall clock)",
        f"{scaling:.2f}x; CPU-seconds {s['parallel_cpu_overhead']:+.0%} over --jobs 1, so at "
        f"most {s['scaling_cpu_bound']:.2f}x on two free cores"
        + (" (machine busy: the wall-clock ratio is not a fair measure)" if busy else "")
        if scaling
        else "-",
        None if scaling is None else scaling >= TARGET_SCALING,
    )
    ident = res.runs.get("jobs2", {}).get("identical")
    row(
        "output byte-identical whatever --jobs",
        "yes" if ident else ("no" if ident is False else "-"),
        ident,
    )

    tok = next((r for r in res.floors if r.name == "scispaCy tokenizer alone"), None)
    tok_cpu = tok.words_per_cpu_s if tok else 0.0
    lines += [
        "",
        "## Throughput against floors",
        "",
        "Floors run in the benchmark's process over texts already in memory, each pipeline built "
        "fresh (no tokenizer cache carried over). `claimx extract` rows are child processes "
        "reading the corpus folder and writing CSV tables: *steady state* leaves out start-up "
        "(wall: the manifest's `extract_s`; CPU: less the CPU time of a one-document run), "
        "*whole run* includes it.",
        "",
        "| pass | wall s | CPU s | words/s | words per CPU-s | vs scispaCy tokenizer (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in res.floors:
        rel = f"{r.words_per_cpu_s / tok_cpu:.0%}" if tok_cpu else "-"
        name = r.name + (f" ({r.note})" if r.note else "")
        lines.append(
            f"| {name} | {r.seconds:.2f} | {r.cpu_s:.2f} | {fmt_rate(r.words_per_s)} | "
            f"{fmt_rate(r.words_per_cpu_s)} | {rel} |"
        )
    start_cpu = startup_cpu_s(res)
    for key, label in (
        ("jobs1", "`claimx extract --jobs 1`"),
        ("jobs2", "`claimx extract --jobs 2`"),
        ("large", "`claimx extract --jobs 2`, large corpus"),
        ("resume", "`claimx extract --resume` re-run (every document skipped)"),
    ):
        run = res.runs.get(key)
        if not run or not run.get("extract_s"):
            continue
        for mode, wall, cpu in (
            ("steady state", run["extract_s"], run["cpu_s"] - start_cpu),
            ("whole run", run["wall_s"], run["cpu_s"]),
        ):
            wps = run["words"] / wall
            wpc = run["words"] / cpu if cpu > 0 else 0.0
            rel = f"{wpc / tok_cpu:.0%}" if tok_cpu and wpc else "-"
            lines.append(
                f"| {label}, {run['corpus_mb']:.0f} MB, {mode} | {wall:.2f} | {cpu:.2f} | "
                f"{fmt_rate(wps)} | {fmt_rate(wpc)} | {rel} |"
            )

    if res.components:
        total_cpu = sum(c for _, _, c in res.components)
        total_wall = sum(w for _, w, _ in res.components)
        lines += [
            "",
            "## Where the time goes (each component on each document)",
            "",
            f"Total {total_cpu:.1f} CPU-s ({fmt_rate(res.component_words / total_cpu)} words per "
            f"CPU-second), {total_wall:.1f} s wall; one document at a time, as Extractor.process "
            "does but without nlp.pipe's batching.",
            "",
            "| stage | CPU s | share | wall s |",
            "|---|---:|---:|---:|",
        ]
        for name, wall, cpu in res.components:
            lines.append(f"| {name} | {cpu:.2f} | {cpu / total_cpu:.1%} | {wall:.2f} |")

    lines += [
        "",
        "## Memory and scaling",
        "",
        "| run | corpus MB | jobs | wall s | steady wall s | CPU s | "
        "peak RSS, largest process (MB) | peak PSS, all processes (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, run in res.runs.items():
        steady = f"{run['extract_s']:.1f}" if run.get("extract_s") else "-"
        tree = f"{run['tree_peak_mb']:.0f}" if run.get("tree_peak_mb") else "-"
        lines.append(
            f"| {key} | {run['corpus_mb']:.1f} | {run['jobs']} | {run['wall_s']:.1f} | {steady} | "
            f"{run['cpu_s']:.1f} | {run['maxrss_mb']:.0f} | {tree} |"
        )

    if res.cold:
        lines += [
            "",
            "## Cold start",
            "",
            "| command | median wall s | min wall s | median CPU s | peak RSS MB |",
            "|---|---:|---:|---:|---:|",
        ]
        names = {
            "help": "`claimx --help`",
            "first_document": "`claimx extract SEED.txt -o - --format jsonl` (whole run)",
            "import_spacy": "`python -c 'import spacy, scispacy.abbreviation'` (for scale)",
            "vocabularies_cached": "drug and condition vocabularies, loaded from the cache "
            "(`claimx.recognize.lexicon.load_lexicon`, in a fresh interpreter)",
            "vocabularies_built": "the same, built from rules/lexicons/ with an empty cache",
        }
        for key, label in names.items():
            if key not in res.cold:
                continue
            v = res.cold[key]
            lines.append(
                f"| {label} | {v['median_s']:.3f} | {v['min_s']:.3f} | {v['median_cpu_s']:.3f} | "
                f"{v['maxrss_mb']:.0f} |"
            )

    if res.splitters:
        sp = res.splitters
        lines += [
            "",
            "## Sentence splitters",
            "",
            f"On the real texts once ({sp['documents']} documents, {sp['words']:,} words), each "
            "splitter alone on Docs already tokenized by scispaCy.",
            "",
            "| splitter | CPU s | words per CPU-s | sentences |",
            "|---|---:|---:|---:|",
        ]
        for name, v in sp["speed"].items():
            lines.append(
                f"| {name} | {v['cpu_s']:.3f} | {fmt_rate(v['words_per_cpu_s'])} | "
                f"{v['sentences']:,} |"
            )
        lines += [
            "",
            "| vs claimx_sentences | shared boundaries | only claimx | only other | "
            "agreement (shared / all) |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, v in sp["pairs"].items():
            lines.append(
                f"| {name} | {v['agree']:,} | {v['only_claimx']:,} | {v['only_other']:,} "
                f"| {v['agreement']:.1%} |"
            )
        for name, v in sp["pairs"].items():
            lines += ["", f"Boundaries only claimx_sentences makes (vs {name}; ‖ marks it):", ""]
            lines += [f"- `{e}`" for e in v["examples_only_claimx"]] or ["- none"]
            lines += ["", f"Boundaries only {name} makes:", ""]
            lines += [f"- `{e}`" for e in v["examples_only_other"]] or ["- none"]

    if res.profile:
        lines += [
            "",
            "## Top costs (cProfile, own time)",
            "",
            "| where | function | calls | own s | share |",
            "|---|---|---:|---:|---:|",
        ]
        for p in res.profile:
            lines.append(
                f"| {p['where']} | {p['function']} | {p['calls']:,} | {p['own_s']:.2f} | "
                f"{p['own_share']:.1%} |"
            )

    lines += ["", "## Extrapolation to the PubMed baseline", ""]
    lines += extrapolation(res, s)
    if res.notes or res.problems:
        lines += ["", "## Notes", ""]
        lines += [f"- {n}" for n in res.notes]
        lines += [f"- problem: {p}" for p in res.problems]
    return "\n".join(lines) + "\n"


def extrapolation(res: Results, s: dict[str, Any]) -> list[str]:
    """Time for ~36M abstracts from the measured per-core rate (documents of this corpus's mean
    length; PubMed titles + abstracts are of the same order)."""
    j1 = res.runs.get("jobs1", {})
    rate = s.get("e2e_docs_per_cpu_s")
    if not rate:
        return ["- not measured (the end-to-end run did not complete)"]
    wpd = j1["words"] / j1["documents"]
    core_hours = PUBMED_BASELINE_ABSTRACTS / rate / 3600
    out = [
        f"- Measured per core: {rate:,.0f} documents per CPU-second "
        f"({s['e2e_words_per_cpu_s']:,.0f} words) on documents of {wpd:.0f} words on average "
        "(steady state of `claimx extract --jobs 1`).",
        f"- {PUBMED_BASELINE_ABSTRACTS / 1e6:.0f}M abstracts of that length: "
        f"**{core_hours:,.0f} core-hours**.",
    ]
    if s.get("scaling"):
        out.append(
            f"- On this 2-core machine with --jobs 2: about {core_hours / 2:,.0f} hours if the "
            f"two cores scale as the target asks (measured here: {s['scaling']:.2f}x)."
        )
    out.append(
        f"- On 64 cores, assuming the per-core rate holds (not measured here): about "
        f"{core_hours / 64:,.1f} hours. Reading and writing are not the bottleneck at these "
        "rates (see the read floor above)."
    )
    return out


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="claimx benchmark; writes bench/results.md")
    parser.add_argument("--quick", action="store_true", help="small corpora, fewer repeats")
    parser.add_argument("--mb", type=float, help="main corpus size in MB (default 10; quick 2)")
    parser.add_argument("--large-mb", type=float, help="memory-check corpus (default 100; quick 6)")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        help="kill a `claimx extract` run after this many seconds",
    )
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    # scispaCy's abbreviation detector warns on every Doc without a match (W036): not news.
    warnings.filterwarnings("ignore", message=r".*\[W036\]")
    warnings.simplefilter("ignore", FutureWarning)
    mb = args.mb or (2.0 if args.quick else 10.0)
    large_mb = args.large_mb or (6.0 if args.quick else 100.0)
    repeats = 3 if args.quick else 5
    started = time.perf_counter()

    def step(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    res = Results(machine=machine(), timeout=args.timeout)
    res.load["start"] = os.getloadavg()
    fingerprint = source_fingerprint()
    busy0, own0, wall0 = busy_cpu_s(), own_cpu_s(), time.perf_counter()
    if res.load["start"][0] > 0.5:
        print(
            f"warning: load average {res.load['start'][0]:.2f}: other work is running, so the "
            "numbers will be noisy",
            file=sys.stderr,
        )
    real_docs, eval_found = make_corpus.real_texts()
    if not eval_found:
        msg = f"{make_corpus.EVAL} not found: the corpus repeats the seed texts only"
        print(f"note: {msg}", file=sys.stderr)
        res.notes.append(msg)
    step(f"building corpora ({mb:g} MB and {large_mb:g} MB) under {CORPUS_DIR}")
    info = make_corpus.write_corpus(CORPUS_DIR / f"c{mb:g}", real_docs, int(mb * 1e6), eval_found)
    large = make_corpus.write_corpus(
        CORPUS_DIR / f"c{large_mb:g}", real_docs, int(large_mb * 1e6), eval_found
    )
    texts = list(make_corpus.iter_corpus(info))
    real = [t.text for t in real_docs]
    res.corpus = {
        "documents": info.documents,
        "mb": info.bytes / 1e6,
        "words": info.words,
        "words_per_doc": info.words / info.documents,
        "shards": len(info.shards),
        "copies": info.copies,
        "real_documents": info.real_documents,
        "real_mb": info.real_bytes / 1e6,
        "sources": info.sources,
        "eval_found": eval_found,
        "novelty": make_corpus.chunk_novelty(t for _, t in texts),
        "real_novelty": make_corpus.chunk_novelty(real),
        "plain_repeat_novelty": make_corpus.chunk_novelty(
            real[i % len(real)] for i in range(info.documents)
        ),
    }

    step("cold start")
    seed = sorted(make_corpus.SEEDS.glob("*.txt"))[0]
    cold_start(seed, repeats, res)
    with tempfile.TemporaryDirectory(prefix="claimx-bench-") as tmp:
        work = Path(tmp)
        step("claimx extract --jobs 1")
        extract_run("jobs1", info, work / "j1", 1, res)
        step("claimx extract --jobs 2")
        extract_run("jobs2", info, work / "j2", 2, res, sample_tree=True)
        if (work / "j1").is_dir() and (work / "j2").is_dir():
            same, diff = same_tables(work / "j1", work / "j2")
            res.runs["jobs2"]["identical"] = same
            if not same:
                res.problems.append(f"--jobs 1 and --jobs 2 outputs differ: {', '.join(diff)}")
        if (work / "j1").is_dir():
            step("claimx extract --resume (nothing left to do)")
            extract_run("resume", info, work / "j1", 1, res, extra=("--resume",))
        shutil.rmtree(work / "j2", ignore_errors=True)
        step(f"claimx extract --jobs 2 on {large_mb:g} MB (memory)")
        extract_run("large", large, work / "big", 2, res, sample_tree=True)
        shutil.rmtree(work / "big", ignore_errors=True)
    step("floors: reading, tokenizers, base pipeline")
    floors(info, [t for _, t in texts], real, res)
    step("claimx pipeline in-process and per component")
    ok = claimx_in_process(info, texts, res)
    step("sentence splitters")
    compare_splitters(real, res)
    if ok and not args.no_profile:
        step("cProfile")
        n = 300 if args.quick else 1000
        full = profile_pipeline(texts[:n], res)
        (HERE / "profile.txt").write_text(full, encoding="utf-8")
    res.load["end"] = os.getloadavg()
    if source_fingerprint() != fingerprint:
        res.problems.append(
            "files under src/ or rules/ changed while the benchmark ran (someone is editing this "
            "checkout): runs compared with each other may not have run the same code"
        )
    wall = time.perf_counter() - wall0
    others = max(busy_cpu_s() - busy0 - (own_cpu_s() - own0), 0.0) if busy0 is not None else None
    res.load["others_cpu_s"] = others
    res.load["wall_s"] = wall
    step(f"writing {args.out}")
    args.out.write_text(render(res, args), encoding="utf-8")
    payload = {
        "summary": summary(res),
        "machine": res.machine,
        "corpus": res.corpus,
        "floors": [r.__dict__ | {"words_per_s": r.words_per_s} for r in res.floors],
        "components": res.components,
        "runs": res.runs,
        "cold": res.cold,
        "splitters": res.splitters,
        "profile": res.profile,
        "problems": res.problems,
        "load": res.load,
    }
    args.out.with_suffix(".json").write_text(
        json.dumps(payload, indent=1, default=str) + "\n", encoding="utf-8"
    )
    print(args.out.read_text(encoding="utf-8"))
    step("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
