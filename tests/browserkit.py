"""Headless Chromium from the system packages (Debian `chromium`, `chromium-driver`), driven
by Selenium: used by the browser tests, and run as a script to retake the README's
screenshot of a seed page:

    python tests/browserkit.py docs/site-seed.png
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
# Headless, no sandbox (containers run as root), and nothing that talks to the network.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
SEED = "src-kazan-interviews-report"  # the seed page the screenshot shows


def available() -> bool:
    return CHROMIUM.is_file() and CHROMEDRIVER.is_file()


def driver(profile: Path, width: int = 1280, height: int = 900) -> Any:
    """A fresh headless Chromium with its own user-data-dir PROFILE."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def screenshot(site: Path, out: Path, profile: Path) -> None:
    """The README picture: the top of a seed page, down into its text."""
    browser = driver(profile, 1280, 1200)
    try:
        browser.get((site / "seeds" / f"{SEED}.html").as_uri())
        browser.save_screenshot(str(out))
    finally:
        browser.quit()


if __name__ == "__main__":
    from bri_data.build.site import write_site

    root = Path(__file__).resolve().parent.parent
    work = Path(tempfile.mkdtemp())
    try:
        write_site(work / "site", path=root)
        screenshot(work / "site", Path(sys.argv[1]), work / "profile")
    finally:
        shutil.rmtree(work)
