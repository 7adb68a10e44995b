"""Ingest: read CSV / JSON Lines extracts, map them to canonical records, store or quarantine every row."""

from clearterm.ingest.pipeline import IngestResult, ingest_file
from clearterm.ingest.readers import InputError

__all__ = ["IngestResult", "InputError", "ingest_file"]
