"""Typed exceptions of the library. The CLI maps them to exit codes; nothing here prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bri_data.findings import Report


class BriDataError(Exception):
    """Base class of every error bri_data raises on purpose."""


class PackageNotFoundError(BriDataError):
    """No datapackage.json where one was asked for (usage error, exit 2)."""


class UsageError(BriDataError, ValueError):
    """The call itself is wrong (an unknown format, a path that is not a path, a bad file
    suffix): exit 2. A ValueError too, as Python's own wrong arguments are."""


class UnreadableInputError(BriDataError):
    """Input exists but cannot be read at all (exit 2)."""


class InvalidPackageError(BriDataError):
    """The package does not validate; carries the validator's report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        counts = ", ".join(f"{code} x{n}" for code, n in sorted(report.counts.items()))
        super().__init__(f"the package at {report.package} is invalid: {counts}")


class OutputExistsError(BriDataError):
    """An export target exists and --force was not given (exit 2)."""


class OutputError(BriDataError):
    """An output cannot be written where asked (a directory or symlink in the way, a
    read-only or full disk): exit 2. Nothing is left behind."""


class LookupFailedError(BriDataError):
    """A text or id was not found, or found more than once (exit 1)."""


class UnknownKeyError(LookupFailedError, KeyError):
    """No record with this id, or no table or view with this name. A KeyError too, so a
    Dataset behaves as a mapping (`in`, `.get`); still exit 1 in the CLI."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class MissingExtraError(BriDataError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(f"{module} is not installed; install it with: pip install \"bri-data[{extra}]\"")
        self.module, self.extra = module, extra


def require(module: str, extra: str) -> object:
    """Import an optional dependency or raise MissingExtraError naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(module, extra) from None
