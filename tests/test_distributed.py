"""claimx.extract_records inside a distributed engine: a dask.bag over the seed files, on a
local cluster, gives the same rows as one plain process (docs/scaling.md shows the same for
Spark). dask is a test dependency; without it these tests are skipped."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

import claimx
from claimx.write import dumps, row_dict

db = pytest.importorskip(
    "dask.bag", reason="dask is not installed (pip install 'dask[distributed]')"
)

SEEDS = Path(__file__).resolve().parent.parent / "data" / "raw"
TABLES = ("documents", "sentences", "mentions", "regimens", "statistics", "claims", "abbreviations")


def read_pair(path: str) -> tuple[str, str]:
    """(doc_id, text) of one file; runs inside the workers."""
    p = Path(path)
    return p.stem, p.read_text(encoding="utf-8")


def extract_partition(pairs: Iterable[tuple[str, str]]) -> list[dict[str, list[Any]]]:
    """One partition's documents -> their rows: one pipeline per partition, as users would."""
    return list(claimx.extract_records(pairs))


def rows_by_table(per_document: Iterable[dict[str, list[Any]]]) -> dict[str, list[str]]:
    """Concatenate per-document rows into tables, each row as its canonical JSON line."""
    out: dict[str, list[str]] = {name: [] for name in TABLES}
    for tables in per_document:
        for name, rows in tables.items():
            out.setdefault(name, []).extend(dumps(row_dict(r)) for r in rows)
    return out


def seed_paths() -> list[str]:
    return [str(p) for p in sorted(SEEDS.glob("*.txt"))]


@pytest.fixture(scope="module")
def single_process() -> dict[str, list[str]]:
    """The reference: every seed in one plain, single-process run."""
    return rows_by_table(claimx.extract_records(read_pair(p) for p in seed_paths()))


def run_bag(paths: list[str], npartitions: int, scheduler: str) -> list[dict[str, list[Any]]]:
    bag = db.from_sequence(paths, npartitions=npartitions).map(read_pair)
    bag = bag.map_partitions(extract_partition)
    if scheduler == "distributed":
        distributed = pytest.importorskip(
            "distributed",
            reason="dask.distributed is not installed (pip install 'dask[distributed]')",
        )
        # Loopback only, no dashboard: the test needs no network.
        with (
            distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            return client.compute(bag).result()
    return bag.compute(scheduler=scheduler, num_workers=2)


def test_seeds_are_there() -> None:
    assert len(seed_paths()) >= 2, f"the seed texts are missing from {SEEDS}"


@pytest.mark.parametrize(
    ("scheduler", "npartitions"),
    [
        pytest.param("processes", 2, id="processes-scheduler-2-partitions"),
        pytest.param("processes", 3, id="processes-scheduler-uneven-partitions"),
        pytest.param("distributed", 2, id="local-cluster-2-workers"),
    ],
)
def test_bag_rows_equal_single_process(
    scheduler: str, npartitions: int, single_process: dict[str, list[str]]
) -> None:
    got = rows_by_table(run_bag(seed_paths(), npartitions, scheduler))
    assert got.keys() == single_process.keys()
    for name in single_process:
        assert got[name] == single_process[name], f"table {name} differs from the single run"


def test_reference_run_found_something(single_process: dict[str, list[str]]) -> None:
    """Equal outputs prove little if both are empty: the seeds do hold mentions and sentences."""
    assert len(single_process["documents"]) == len(seed_paths())
    assert single_process["sentences"]
    assert single_process["mentions"]


@pytest.mark.parametrize(
    "order",
    [
        pytest.param("reversed", id="partition-in-reverse-order"),
        pytest.param("alone", id="each-document-alone"),
    ],
)
def test_rows_do_not_depend_on_neighbours(order: str, single_process: dict[str, list[str]]) -> None:
    """A document's rows are the same whatever else is in its partition (no state carried
    from one document to the next), so any partitioning concatenates to the same tables."""
    pairs = [read_pair(p) for p in seed_paths()]
    if order == "reversed":
        got = list(reversed(extract_partition(list(reversed(pairs)))))
    else:
        got = [tables for pair in pairs for tables in extract_partition([pair])]
    assert rows_by_table(got) == single_process


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param([], 0, id="empty-partition-gives-no-rows"),
        pytest.param([("blank", "   \n")], 1, id="blank-text-still-one-document-row"),
    ],
)
def test_partition_edges(pairs: list[tuple[str, str]], expected: int) -> None:
    got = rows_by_table(extract_partition(pairs))
    assert len(got["documents"]) == expected
    assert got["mentions"] == []
