"""Our EDTF level 0-1 parser against the reference `edtf` package, differences pinned."""

from __future__ import annotations

import edtf
import pytest

from bri_data.contract.edtf import bounds

# Valid level 0-1 strings where both implementations must give the same strict bounds.
AGREED = [
    "2024", "2023-07", "2024-10-23", "2024-10-23/2024-10-24", "2023-08/2024-10-31", "2015",
    "0000", "-1985", "2024-02-29", "1985-04-12T23:20:30", "1985-04-12T23:20:30Z",
    "1985-04-12T10:10:10+05:00", "Y170000002", "Y-170000002", "2001-21", "2001-22", "2001-23",
    "2001-24", "1984?", "2004-06~", "2004-06-11%", "2024-10~", "201X", "20XX", "2004-XX",
    "1985-04-XX", "1985-XX-XX", "1984?/2004~", "2004-06/2006-08", "1964/2008", "2019-12/2020%",
]
# Not EDTF at all: both reject.
REJECTED = ["", "2024-13", "2023-02-30", "24-10-2024", "October 2024", "2024-1", "2024/10/23", "2024-10-23T25:00:00", "2024--10", "/"]
# Intended differences (the contract allows EDTF levels 0-1 only; the package has bugs here).
OURS_ONLY = {
    "../1985-04-12": (None, (1985, 4, 12)),  # open ends: the package answers +-inf
    "1985-04-12/..": ((1985, 4, 12), None),
}
LEVEL2_OR_WRONG = ["2023-02-29", "156X-12-25", "2004?-06-11", "1985-XX-12", "2004-06~-11"]


@pytest.mark.parametrize("value", AGREED)
def test_bounds_agree_with_the_reference(value: str) -> None:
    ref = edtf.parse_edtf(value)
    lo, hi = ref.lower_strict(), ref.upper_strict()
    assert bounds(value) == (tuple(lo[:3]), tuple(hi[:3]))


@pytest.mark.parametrize("value", REJECTED)
def test_both_reject(value: str) -> None:
    assert bounds(value) is None
    with pytest.raises(Exception):  # noqa: B017 - the package raises several types
        edtf.parse_edtf(value)


@pytest.mark.parametrize(("value", "expected"), OURS_ONLY.items())
def test_open_interval_ends_are_none_where_the_package_uses_infinity(value: str, expected: tuple[object, object]) -> None:
    assert bounds(value) == expected
    parsed = edtf.parse_edtf(value)
    for ours, theirs in zip(expected, (parsed.lower_strict(), parsed.upper_strict()), strict=True):
        if ours is None:
            assert theirs in (float("inf"), float("-inf"))
        else:
            assert tuple(theirs[:3]) == ours


@pytest.mark.parametrize("value", LEVEL2_OR_WRONG)
def test_level_2_and_impossible_dates_are_refused(value: str) -> None:
    assert bounds(value) is None
    edtf.parse_edtf(value)  # the package accepts these; the contract does not


def test_unknown_interval_ends() -> None:
    assert bounds("/1985-04-12") == (None, (1985, 4, 12))
    assert bounds("1985-04-12/") == ((1985, 4, 12), None)
    assert bounds("2024-10-23/2024-10-22") == ((2024, 10, 23), (2024, 10, 22))  # reversed: semantics reports it
