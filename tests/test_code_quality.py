"""The code stays as the team agreed: ruff clean, ruff formatted, mypy strict on the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        ("ruff", "check", "simulator", "tests", "benchmarks"),
        ("ruff", "format", "--check", "simulator", "tests", "benchmarks"),
        ("mypy", "simulator"),
    ],
    ids=" ".join,
)
def test_tool_is_clean(command: tuple[str, ...]) -> None:
    done = _run(*command)
    assert done.returncode == 0, done.stdout + done.stderr
