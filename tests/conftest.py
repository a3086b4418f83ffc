"""Shared fixtures: the pipeline is built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "raw"


@pytest.fixture(scope="session")
def extractor():
    from claimx.extract import Extractor

    return Extractor()


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    return SEEDS
