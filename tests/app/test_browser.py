"""The app in a real browser: ``crossing-sim app`` serves the page on 127.0.0.1, headless
Chromium (Debian's ``chromium`` and ``chromium-driver``, driven by selenium) moves the tables
slider, runs, and finds the new result on the page; screenshots go to the test's folder.

Skipped, saying why, only where no Chromium or chromedriver is installed (``.ci/run``
installs them with apt-get).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("streamlit", reason="pip install -e '.[app]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="pip install -e '.[test]'")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
WAIT = 60  # seconds the page may take to answer (a run of 40 nights takes about one)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="no browser to drive: install Debian's chromium and chromium-driver "
           "(apt-get install chromium chromium-driver), as .ci/run does")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``crossing-sim app --no-browser`` on a free port; its address once it answers."""
    port = _free_port()
    env = {**os.environ, "CROSSING_SIM_APP_WORK": str(tmp_path / "work")}
    command = [sys.executable, "-m", "crossing_sim", "app", "--no-browser", "--port", str(port)]
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, env=env)
    assert process.stdout is not None
    line = process.stdout.readline().decode()  # printed once the page answers
    try:
        assert line.startswith("crossing-sim app: http://127.0.0.1:"), (
            line, (tmp_path / "server.log").read_text())
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        log.close()


@pytest.fixture
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(DRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def _move(driver: object, key: str, *keys: str) -> None:
    """Press ``keys`` on the slider of the page's control ``key`` (as a user with the
    keyboard would: focus its handle, then the keys)."""
    handle = driver.find_element(  # type: ignore[attr-defined]
        By.CSS_SELECTOR, f'.st-key-{key} input[type="range"]')
    driver.execute_script("arguments[0].focus();", handle)  # type: ignore[attr-defined]
    ActionChains(driver).send_keys(*keys).perform()


def _button(driver: object, text: str) -> object:
    for button in driver.find_elements(By.TAG_NAME, "button"):  # type: ignore[attr-defined]
        if button.text.strip() == text:
            return button
    raise AssertionError(f"no button {text!r}")


def test_move_a_slider_run_and_see_the_new_result(server: str, browser: object,
                                                  tmp_path: Path) -> None:
    driver = browser
    wait = WebDriverWait(driver, WAIT)
    driver.get(server)  # type: ignore[attr-defined]
    try:
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Screening tables"))
        driver.save_screenshot(str(tmp_path / "1-opened.png"))  # type: ignore[attr-defined]
        _move(driver, "nights", Keys.HOME, Keys.RIGHT)  # 20 nights, then 40
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Run 40 nights"))
        _move(driver, "tables", Keys.HOME, Keys.RIGHT)  # 1 table, then 2
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "gate.lanes=2"))
        _button(driver, "Run 40 nights").click()
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"),
                                                    "Compared with the start"))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="stImage"]')))
    except TimeoutException:
        driver.save_screenshot(str(tmp_path / "timed-out.png"))  # type: ignore[attr-defined]
        raise
    body = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
    driver.save_screenshot(str(tmp_path / "2-result.png"))  # type: ignore[attr-defined]
    assert "Your changes: gate.lanes=2" in body
    assert "more people crossed a night, between" in body
    assert "within budget" in body
    assert "Traceback" not in body
    assert (tmp_path / "2-result.png").stat().st_size > 10_000
