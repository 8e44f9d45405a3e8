"""Fixtures for the browser tests: Debian's chromium driven by Playwright against pytest-django's live server."""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; without this Django refuses ORM calls there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str:
    """Debian's chromium (the Makefile installs it); Playwright's own browsers cannot be downloaded here."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is not installed: run `make test-system-packages` (apt-get install -y chromium).")
    return path


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def launch_browser(playwright_instance):
    """Call it inside the test, so that a missing chromium is a test failure (not a skip, not a setup error)."""
    browsers = []

    def launch():
        browser = playwright_instance.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        browsers.append(browser)
        return browser

    yield launch
    for browser in browsers:
        browser.close()


def fresh_screenshot_dir(name: str) -> Path:
    """test-output/<name> (or $TEST_OUTPUT_DIR/<name>), emptied of the previous run's pictures."""
    base = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output"))
    if not base.is_absolute():
        base = PROJECT_ROOT / base
    directory = base / name
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.png"):
        old.unlink()
    return directory


# Emptied once a run, so that every test of the run leaves its pictures.
@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    return fresh_screenshot_dir("e2e-wizard")


@pytest.fixture(scope="session")
def evidence_screenshot_dir() -> Path:
    return fresh_screenshot_dir("e2e-evidence")


# --- Accessibility ----------------------------------------------------------------------------------------------

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# axe-core's own scale: "minor" and "moderate" are reported by axe but do not fail a test.
FAILING_IMPACTS = ("serious", "critical")


def _axe_violations(page) -> list[dict]:
    # axe-core is bundled in the package and injected into the page: nothing is fetched at run time.
    from axe_playwright_python.sync_playwright import Axe

    return Axe().run(page).response["violations"]


def _describe(name: str, width: int, violations: list[dict]) -> str:
    lines = [f"{name} at {width}px: {len(violations)} serious or critical accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            snippet = " ".join(node["html"].split())
            if len(snippet) > 160:
                snippet = snippet[:157] + "..."
            selector = " ".join(str(part) for part in node["target"])
            lines.append(f"    {selector}  {snippet}")
    return "\n".join(lines)


def assert_accessible(page, name: str, *, desktop: bool = False) -> None:
    """Run axe-core on the page as shown, and at desktop width too if asked; fail on serious or critical violations,
    naming each rule, its impact and the elements at fault."""
    original = page.viewport_size or PHONE
    failures = []
    try:
        for size in [original] + ([DESKTOP] if desktop else []):
            if size != page.viewport_size:
                page.set_viewport_size(size)
            failing = [v for v in _axe_violations(page) if v["impact"] in FAILING_IMPACTS]
            if failing:
                failures.append(_describe(name, size["width"], failing))
    finally:
        if page.viewport_size != original:
            page.set_viewport_size(original)
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)
