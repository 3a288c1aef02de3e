"""``ccsim report`` and ``ccsim run --report``: one self-contained HTML file per output folder.

The report is read back with the standard library's HTML parser (numbers against
``summary.json``, every image embedded) and opened in headless Chromium, which must
load every image without a console error; the test keeps a screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib import image as mpimg
from typer.testing import CliRunner

import simulator
from helpers import chromium
from simulator.cli import app
from simulator.report import write_report
from simulator.report.formatting import format_value

SCENARIOS = Path(__file__).parent.parent / "scenarios"
runner = CliRunner()

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
"""Chromium as root in a container, with nothing reaching the network."""


class _Page(HTMLParser):
    """The parts of the report the tests read: images, KPI rows, interval rows, sections."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.kpi_cells: dict[str, list[str]] = {}
        self.sections: list[str] = []
        self.interval_rows = 0
        self.external: list[str] = []
        self._kpi: str | None = None
        self._in_td = False
        self._in_intervals = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a.get("src") or "")
        for key in ("src", "href"):
            value = a.get(key) or ""
            if value and not value.startswith(("data:", "#")):
                self.external.append(value)
        if tag == "link":
            self.external.append(str(a))
        if tag == "section":
            self.sections.append(a.get("id") or "")
        if tag == "table" and "intervals" in (a.get("class") or ""):
            self._in_intervals = True
        if tag == "tr":
            if self._in_intervals:
                self.interval_rows += 1
            self._kpi = a.get("data-kpi")
            if self._kpi:
                self.kpi_cells[self._kpi] = []
        if tag == "td" and self._kpi:
            self._in_td, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in_td and self._kpi:
            self.kpi_cells[self._kpi].append(self._text.strip())
            self._in_td = False
        if tag == "table":
            self._in_intervals = False

    def handle_data(self, data: str) -> None:
        if self._in_td:
            self._text += data


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder of the flagship scenario written by ``ccsim run --report``."""
    out = tmp_path_factory.mktemp("report") / "bank"
    scenario = str(SCENARIOS / "retail_bank_day.yaml")
    result = runner.invoke(app, ["run", scenario, "-r", "3", "--out", str(out), "-q", "--report"])
    assert result.exit_code == 0, result.output
    return out


def test_run_with_report_writes_a_self_contained_page(bank: Path) -> None:
    report = bank / "report.html"
    page = _parse(report)
    assert page.external == []
    assert len(page.images) >= 3
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    for section in ("figures", "groups", "kpis", "scenario", "intervals"):
        assert section in page.sections


def test_report_shows_the_numbers_of_the_summary(bank: Path) -> None:
    summary = json.loads((bank / "summary.json").read_text())
    page = _parse(bank / "report.html")
    defined = {name for name, k in summary["kpis"].items() if k["mean"] is not None}
    assert set(page.kpi_cells) == defined & set(summary["headline"])
    for name in ("service_level", "abandon_rate", "asa_s", "occupancy", "cost", "offered"):
        mean = summary["kpis"][name]["mean"]
        assert page.kpi_cells[name][0] == format_value(name, mean)
    assert page.kpi_cells["service_level"][0].endswith("%")
    long = pd.read_csv(bank / "intervals.csv")
    assert page.interval_rows == 1 + len(long[(long["breakdown"] == "all")]["interval"].unique())
    text = (bank / "report.html").read_text(encoding="utf-8")
    assert "Retail bank, a normal weekday" in text
    assert "answered within 20 s" in text and "/ offered contacts" in text


def test_report_command_writes_where_asked_and_marks_the_target(bank: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "bank.html"
    result = runner.invoke(
        app, ["report", str(bank), "--output", str(target), "--target-sl", "0.8"]
    )
    assert result.exit_code == 0, result.output
    assert str(target) in result.output
    text = target.read_text(encoding="utf-8")
    assert "under the 80% target are marked" in text
    assert 'class="num below"' in text


def test_report_re_runs_nothing(bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report must not simulate")

    monkeypatch.setattr("simulator.experiment.runner.simulate_replication", refuse)
    monkeypatch.setattr("simulator.run", refuse)
    assert write_report(bank).exists()


def test_a_run_without_contacts_still_gets_a_report(tmp_path: Path) -> None:
    out = tmp_path / "lean"
    args = ["run", str(SCENARIOS / "erlang_a_textbook.yaml"), "-r", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "-q", "--no-contacts", "--report"])
    assert result.exit_code == 0, result.output
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "kept no contact log" in text
    assert len(_parse(out / "report.html").images) == 1  # the per-interval panel


def test_names_from_the_scenario_are_escaped(tmp_path: Path) -> None:
    scenario = simulator.scenario_from_dict(
        {
            "name": "A & B <script>alert(1)</script>",
            "calendar": {"open": "08:00", "close": "10:00", "interval_minutes": 30},
            "queues": [{"name": "q"}],
            "call_types": [
                {
                    "name": "c",
                    "target": "q",
                    "volume": {"rate_per_hour": 30},
                    "handle_time": {"dist": "exponential", "mean": 120},
                }
            ],
            "agent_groups": [{"name": "a", "skills": {"q": 1}, "staffing": 2}],
        }
    )
    from simulator.report import write_run_outputs

    write_run_outputs(simulator.run(scenario, replications=2), tmp_path / "x")
    text = write_report(tmp_path / "x").read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert "A &amp; B &lt;script&gt;" in text


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_a_folder_that_is_not_an_output_folder_is_refused(tmp_path: Path, make: str) -> None:
    folder = tmp_path / "nothing"
    if make == "empty":
        folder.mkdir()
    elif make == "file":
        folder.write_text("x")
    result = runner.invoke(app, ["report", str(folder)])
    assert result.exit_code == 2
    assert "error" in result.output and "Traceback" not in result.output


def test_a_compare_folder_gets_its_comparison(tmp_path: Path) -> None:
    out = tmp_path / "compare"
    a, b = SCENARIOS / "bank_pingpong.yaml", SCENARIOS / "bank_warm_transfer.yaml"
    result = runner.invoke(app, ["compare", str(a), str(b), "-r", "2", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    page = _parse(out / "report.html")
    assert "comparison" in page.sections
    assert len(page.images) == 2  # the means with their intervals, the paired differences
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "Paired differences against bank_pingpong" in text
    assert "Comparison: bank_pingpong vs bank_warm_transfer" in text


def test_a_sweep_folder_gets_its_curves(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    args = ["sweep", str(SCENARIOS / "erlang_a_textbook.yaml"), "-r", "2", "--out", str(out)]
    result = runner.invoke(app, [*args, "--set", "agent_groups[0].staffing=46:50:2", "-q"])
    assert result.exit_code == 0, result.output
    page = _parse(write_report(out))
    assert "sweep" in page.sections
    assert len(page.images) >= 1
    text = (out / "report.html").read_text(encoding="utf-8")
    assert "agent_groups[0].staffing" in text


# --- in a real browser ---------------------------------------------------------------------


def _browse(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_renders_in_headless_chromium(bank: Path, tmp_path: Path) -> None:
    binary = chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (.ci/run installs Debian's chromium package)")
    report = (bank / "report.html").resolve()
    images = len(_parse(report).images)
    dom = _browse(
        binary,
        tmp_path / "profile-dom",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=5000",
        "--dump-dom",
        report.as_uri(),
    )
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'data-images-loaded="true"' in dom.stdout, "an image did not load"
    assert f'data-images="{images}"' in dom.stdout
    assert "Interval by interval" in dom.stdout
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    assert console == [], console
    screenshot = tmp_path / "report.png"
    shot = _browse(
        binary,
        tmp_path / "profile-shot",
        "--window-size=1280,2400",
        f"--screenshot={screenshot}",
        report.as_uri(),
    )
    assert shot.returncode == 0, shot.stderr[-2000:]
    pixels = mpimg.imread(screenshot)
    assert pixels.shape[:2] == (2400, 1280)
    assert float(np.std(pixels[..., :3])) > 0.05, "the screenshot is blank"
    keep = os.environ.get("CCSIM_SCREENSHOT")
    if keep:
        shutil.copy(screenshot, keep)
