"""claimx: extract what biomedical text claims about drugs, as provenance-carrying tables."""

__version__ = "0.1.0"

SCHEMA_VERSION = "2"  # 2: mentions.xref

__all__ = ["__version__", "SCHEMA_VERSION", "extract_records"]


def extract_records(documents, **kwargs):  # type: ignore[no-untyped-def]
    """Extract table rows from an iterable of (doc_id, text) pairs; see claimx.extract."""
    from claimx.extract import extract_records as _extract_records

    return _extract_records(documents, **kwargs)
