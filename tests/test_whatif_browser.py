"""The what-if page in a real browser: ``ccsim app`` served, Chromium driven by Playwright.

The test starts ``ccsim app`` as a user would (a subprocess on a free loopback port),
opens the page in Debian's Chromium, changes one group's staffing, waits for the final
result, and reads the service level and its paired difference from the page: they must
equal ``simulator.compare`` on the same seed and replications. It downloads the changed
scenario and runs it with ``ccsim run``: the same numbers again. A bad value must show
its key-path message under the control while the page keeps working. A screenshot of
the page is kept in ``test-artifacts/`` (git-ignored). The test skips only when no
Chromium (or no Playwright) can be found; every wait is bounded and the server is
stopped at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import simulator
from helpers import chromium
from simulator.cli import app
from simulator.report.formatting import format_value
from simulator.webapp.controls import with_changes

ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "test-artifacts"
REPLICATIONS = 4
"""Replications the page runs: few, so the test is quick (the numbers must still match)."""
SERVER_START_S = 60.0
RESULT_S = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"ccsim app exited with status {server.returncode}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"ccsim app did not listen on port {port} within {timeout} s")


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """The flagship scenario with few replications, in a folder of its own."""
    data = yaml.safe_load((ROOT / "scenarios" / "retail_bank_day.yaml").read_text())
    data["replications"] = REPLICATIONS
    path = tmp_path / "bank.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def server(bank: Path) -> Iterator[int]:
    """``ccsim app`` on a free loopback port, stopped (and waited for) at the end."""
    port = _free_port()
    ccsim = Path(sys.executable).with_name("ccsim")
    command = [str(ccsim)] if ccsim.exists() else [sys.executable, "-m", "simulator.cli"]
    process = subprocess.Popen(
        [*command, "app", str(bank), "--port", str(port), "--no-browser", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for_port(port, process, SERVER_START_S)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_page_shows_the_api_numbers_and_survives_a_bad_value(
    bank: Path, server: int, tmp_path: Path
) -> None:
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium on PATH (.ci/run installs Debian's chromium package)")
    playwright = pytest.importorskip("playwright.sync_api")
    timeout_ms = RESULT_S * 1000
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=binary, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1050}, accept_downloads=True)
            page.set_default_timeout(timeout_ms)
            page.goto(f"http://127.0.0.1:{server}/")
            status = page.locator(".wi-status")
            page.wait_for_selector(".wi-status[data-state=done]")
            first = int(status.get_attribute("data-generation") or 0)

            # Change one group's staffing: the card agents go from 5 to 7.
            agents = page.get_by_label("cards_team (agents)")
            agents.fill("7")
            agents.press("Enter")
            page.wait_for_selector(
                f".wi-status[data-state=done][data-stage=final]:not([data-generation='{first}'])"
            )
            assert status.get_attribute("data-replications") == str(REPLICATIONS)
            card = page.locator('.wi-card[data-kpi="service_level"]')
            shown_sl = float(card.get_attribute("data-value") or "nan")
            shown_difference = float(card.get_attribute("data-difference") or "nan")

            baseline = simulator.load(bank)
            changed = with_changes(baseline, {"agent_groups[cards_team].staffing": 7})
            expected = simulator.compare([baseline, changed], replications=REPLICATIONS)
            difference = expected.difference("service_level")
            assert shown_sl == expected.results[1].kpi("service_level")
            assert shown_difference == difference.difference
            assert format_value("service_level", shown_sl) in card.inner_text()

            # The downloaded scenario runs with ccsim run and gives the same figures.
            with page.expect_download() as download:
                page.get_by_text("Download the changed scenario (YAML)").click()
            exported = tmp_path / "exported.yaml"
            download.value.save_as(exported)
            run = CliRunner().invoke(
                app, ["run", str(exported), "--json", "--out", str(tmp_path / "out"), "-q"]
            )
            assert run.exit_code == 0, run.output
            assert json.loads(run.stdout)["kpis"]["service_level"]["mean"] == shown_sl

            # A bad value: the key-path message under the control, nothing runs...
            agents.fill("-3")
            agents.press("Enter")
            error = page.locator('.wi-error[data-control="staffing:cards_team"]')
            error.wait_for()
            assert "agent_groups[1].staffing" in error.inner_text()
            page.wait_for_selector(".wi-status[data-state=invalid]")
            # ... and the page keeps working: a good value runs again.
            agents.fill("6")
            agents.press("Enter")
            page.wait_for_selector(".wi-status[data-state=done][data-stage=final]")
            assert error.count() == 0 or not error.is_visible()
            six = float(card.get_attribute("data-value") or "nan")
            assert six != shown_sl
            page.wait_for_timeout(500)
            ARTIFACTS.mkdir(exist_ok=True)
            shot = ARTIFACTS / "whatif_page.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            if os.environ.get("CCSIM_SCREENSHOT"):
                shutil.copy(shot, os.environ["CCSIM_SCREENSHOT"])
        finally:
            browser.close()
