"""`bri-data site` as a person uses it: headless Chromium from the system packages, driven by
Selenium, opening the pages from file://.

Skipped only when chromium is not installed; with CI=true (set by .ci/run, which installs
it) a missing browser fails the tests instead.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import browserkit
import pytest
from PIL import Image

from bri_data.contract import model as C
from bri_data.files.package import read_rows
from fixturekit import ROOT

SEED = browserkit.SEED


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not browserkit.available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {browserkit.CHROMIUM} or {browserkit.CHROMEDRIVER} is missing; apt-get install chromium chromium-driver")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    b = browserkit.driver(tmp_path_factory.mktemp("profile"))
    yield b
    b.quit()


def wait_for_url(browser: Any, ending: str) -> None:
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 5).until(EC.url_contains(ending))
    assert browser.current_url.endswith(ending), browser.current_url


def css(browser: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)  # type: ignore[no-any-return]


def test_seed_page_spans_match_the_citations_and_lead_to_records_and_back(site: Path, browser: Any) -> None:
    cits = {c["id"]: c for c in read_rows(ROOT, C.CITATIONS) if c["source_id"] == SEED}
    browser.get((site / "seeds" / f"{SEED}.html").as_uri())
    shown = browser.execute_script(
        "var ids = {}; document.querySelectorAll('.hl[data-cits]').forEach(function (el) {"
        "  el.getAttribute('data-cits').split(' ').forEach(function (i) { ids[i] = 1; }); });"
        "return Object.keys(ids);"
    )
    assert sorted(shown) == sorted(cits) and len(cits) > 100
    assert len(css(browser, "span.anchor")) == len(cits)
    # every highlight is drawn: a background, and something more than colour for its type
    looks = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('ol.seed .hl'), function (el) {"
        "  var s = getComputedStyle(el); return [s.backgroundColor, s.fontWeight, s.borderBottomStyle, s.textDecorationLine, s.boxShadow, s.fontStyle]; });"
    )
    assert looks and all(bg not in ("rgba(0, 0, 0, 0)", "transparent") for bg, *_ in looks)
    assert all(int(w) >= 700 or b != "none" or "underline" in d or sh != "none" or st == "italic" for _, w, b, d, sh, st in looks)

    # select a span: the first highlighted place whose most specific citation is an actor's alias
    alias = next(c for c in sorted(cits.values(), key=lambda c: (c["line"], c["char_start"])) if c["role"] == "alias")
    link = next(a for a in css(browser, "a.hl") if a.get_attribute("data-cits").split()[0] == alias["id"])
    assert link.text == alias["quote"]
    link.click()
    wait_for_url(browser, f"records/{alias['record_id']}.html")
    name = next(a["name"] for a in read_rows(ROOT, C.ACTORS) if a["id"] == alias["record_id"])
    assert name in css(browser, "h1")[0].text

    # a citation on the record page leads back to its highlighted place in the seed
    to_seed = next(a for a in css(browser, "a.to-seed") if f"{SEED}.html#" in a.get_attribute("href"))
    cit_id = to_seed.get_attribute("href").rsplit("#", 1)[1]
    to_seed.click()
    wait_for_url(browser, f"seeds/{SEED}.html#{cit_id}")
    place = browser.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "var t = document.querySelectorAll('.is-target');"
        "return [r.top, window.innerHeight, Array.prototype.map.call(t, function (e) { return e.textContent; }).join(''),"
        "  t.length ? getComputedStyle(t[0]).backgroundColor : ''];",
        cit_id,
    )
    top, height, target_text, target_bg = place
    assert 0 <= top < height  # scrolled to it
    assert target_text == cits[cit_id]["quote"]  # and exactly its span is emphasised
    assert target_bg == "rgb(255, 200, 112)"


def _luminance(rgb: list[float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else float(((c + 0.055) / 1.055) ** 2.4)

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_keyboard_reaches_spans_and_text_has_contrast(site: Path, browser: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get((site / "seeds" / f"{SEED}.html").as_uri())
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.text == "Skip to content"
    # WCAG AA: 4.5:1 for every kind of text the seed page shows, on its effective background
    pairs = browser.execute_script(
        "function bg(el) { for (; el; el = el.parentElement) { var c = getComputedStyle(el).backgroundColor;"
        "  if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; }"
        "var sel = 'main p, main td, main th, a, .note, .role, .hl.d1, .hl.d2, .hl.d3, .sub, h1 .kind, footer p, summary, .ln';"
        "return Array.prototype.map.call(document.querySelectorAll(sel), function (el) { return [getComputedStyle(el).color, bg(el)]; });"
    )
    assert len(pairs) > 500

    def rgb(value: str) -> list[float]:
        return [float(x) for x in value[value.index("(") + 1 : -1].split(",")]

    for fg, back in {tuple(p) for p in pairs}:
        hi, lo = sorted((_luminance(rgb(fg)), _luminance(rgb(back))), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, (fg, back)
    # a highlighted span takes the focus and Enter follows it
    target = css(browser, "a.hl")[5]
    href = target.get_attribute("href")
    browser.execute_script("arguments[0].focus();", target)
    assert browser.switch_to.active_element == target
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_for_url(browser, href.rsplit("/", 2)[-2] + "/" + href.rsplit("/", 1)[1])


def test_screenshot_is_not_blank(site: Path, browser: Any, tmp_path: Path) -> None:
    browser.get((site / "seeds" / f"{SEED}.html").as_uri() + "#L1")
    shot = tmp_path / "seed.png"
    assert browser.save_screenshot(str(shot))
    with Image.open(shot) as im:
        colours = im.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 50  # text, highlights and lines, not one flat colour
    present = {c for _, c in colours}
    assert {(230, 238, 252), (201, 218, 250), (169, 195, 245)} <= present  # the three overlap depths


def test_search_works_offline_and_tables_sort(site: Path, browser: Any) -> None:
    browser.get((site / "search.html").as_uri() + "?q=tokayev")
    results = [a.get_attribute("href") for a in css(browser, "#search-results a")]
    assert any(h.endswith("records/act-tokayev.html") for h in results)
    assert css(browser, "#search-status")[0].text == f"{len(results)} matches"
    browser.get((site / "tables" / "actors.html").as_uri())

    def names() -> list[str]:
        return browser.execute_script(  # type: ignore[no-any-return]
            "return Array.prototype.map.call(document.querySelectorAll('table.index tbody tr'), function (tr) { return tr.cells[1].textContent; });"
        )

    assert names() == sorted(names(), key=str.lower)
    css(browser, "table.index th button")[1].click()  # by name: first ascending, then descending
    css(browser, "table.index th button")[1].click()
    assert names() == sorted(names(), key=str.lower, reverse=True)
    assert css(browser, "table.index th")[1].get_attribute("aria-sort") == "descending"


def test_ci_installs_the_browser_and_cannot_skip_these_tests() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "apt-get install -y -q --no-install-recommends chromium chromium-driver" in ci
    assert "\nexport CI=true\n" in ci
    assert ci.index("chromium-driver") < ci.index("README test command")  # before the tests run
