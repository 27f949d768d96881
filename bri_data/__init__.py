"""bri-data: a curated, provenance-backed dataset about Belarus and BRICS, and its validator.

Public names are imported lazily (PEP 562), so `bri-data validate` does not pay for
pydantic, pandas or pyarrow at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bri_data.contract.model import VERSION as __version__

if TYPE_CHECKING:
    from bri_data.dataset.records import Dataset, Record, load, to_pandas, to_polars
    from bri_data.errors import (
        BriDataError,
        InvalidPackageError,
        LookupFailedError,
        MissingExtraError,
        OutputError,
        OutputExistsError,
        PackageNotFoundError,
        UnknownKeyError,
        UnreadableInputError,
        UsageError,
    )
    from bri_data.exports.writers import ExportResult, export
    from bri_data.findings import Finding, Report
    from bri_data.validation.run import validate

_WHERE = {
    "Dataset": "bri_data.dataset.records",
    "Record": "bri_data.dataset.records",
    "load": "bri_data.dataset.records",
    "BriDataError": "bri_data.errors",
    "InvalidPackageError": "bri_data.errors",
    "LookupFailedError": "bri_data.errors",
    "MissingExtraError": "bri_data.errors",
    "OutputError": "bri_data.errors",
    "OutputExistsError": "bri_data.errors",
    "UsageError": "bri_data.errors",
    "PackageNotFoundError": "bri_data.errors",
    "UnknownKeyError": "bri_data.errors",
    "UnreadableInputError": "bri_data.errors",
    "ExportResult": "bri_data.exports.writers",
    "export": "bri_data.exports.writers",
    "Finding": "bri_data.findings",
    "Report": "bri_data.findings",
    "to_pandas": "bri_data.dataset.records",
    "to_polars": "bri_data.dataset.records",
    "validate": "bri_data.validation.run",
}

# Literal, so that type checkers see the public API (mypy --strict on user code);
# tests/test_types.py checks it equals _WHERE's names plus __version__.
__all__ = [
    "BriDataError",
    "Dataset",
    "ExportResult",
    "Finding",
    "InvalidPackageError",
    "LookupFailedError",
    "MissingExtraError",
    "OutputError",
    "OutputExistsError",
    "PackageNotFoundError",
    "Record",
    "Report",
    "UnknownKeyError",
    "UnreadableInputError",
    "UsageError",
    "__version__",
    "export",
    "load",
    "to_pandas",
    "to_polars",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'bri_data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
