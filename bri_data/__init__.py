"""bri-data: a curated, provenance-backed dataset about Belarus and BRICS, and its validator.

Public names are imported lazily (PEP 562), so `bri-data validate` does not pay for
pydantic, pandas or pyarrow at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from bri_data.contract import VERSION as __version__

if TYPE_CHECKING:
    from bri_data.dataset import Dataset, Record, load
    from bri_data.errors import (
        BriDataError,
        InvalidPackageError,
        LookupFailedError,
        MissingExtraError,
        OutputExistsError,
        PackageNotFoundError,
        UnreadableInputError,
    )
    from bri_data.export import ExportResult, export
    from bri_data.findings import Finding, Report
    from bri_data.frames import to_pandas
    from bri_data.validator import validate

_WHERE = {
    "Dataset": "bri_data.dataset",
    "Record": "bri_data.dataset",
    "load": "bri_data.dataset",
    "BriDataError": "bri_data.errors",
    "InvalidPackageError": "bri_data.errors",
    "LookupFailedError": "bri_data.errors",
    "MissingExtraError": "bri_data.errors",
    "OutputExistsError": "bri_data.errors",
    "PackageNotFoundError": "bri_data.errors",
    "UnreadableInputError": "bri_data.errors",
    "ExportResult": "bri_data.export",
    "export": "bri_data.export",
    "Finding": "bri_data.findings",
    "Report": "bri_data.findings",
    "to_pandas": "bri_data.frames",
    "validate": "bri_data.validator",
}

__all__ = sorted([*_WHERE, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'bri_data' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
