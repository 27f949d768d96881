"""bri-data: a curated, provenance-backed dataset about Belarus and BRICS, and its validator."""

from __future__ import annotations

from bri_data.contract import VERSION as __version__
from bri_data.errors import (
    BriDataError,
    InvalidPackageError,
    LookupFailedError,
    OutputExistsError,
    PackageNotFoundError,
    UnreadableInputError,
)
from bri_data.findings import Finding, Report
from bri_data.validator import validate

__all__ = [
    "BriDataError",
    "Finding",
    "InvalidPackageError",
    "LookupFailedError",
    "OutputExistsError",
    "PackageNotFoundError",
    "Report",
    "UnreadableInputError",
    "__version__",
    "validate",
]
