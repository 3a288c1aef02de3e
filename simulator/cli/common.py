"""What every ``ccsim`` command shares: the consoles, exit statuses, failing on bad input,
loading a scenario, and turning experiment errors into messages.

Bad input ends with a message on stderr and exit status 2, never a traceback; failed
replications with status 1 (what finished is kept); Ctrl-C or SIGTERM with 130.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from simulator.scenario import Scenario

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "experiment_errors",
    "fail",
    "load",
    "progress_bar",
    "stderr",
    "stdout",
]

EXIT_BAD_INPUT = 2
"""Exit status for anything the user must fix (typer's usage errors use it too)."""
EXIT_FAILED = 1
"""Exit status when replications or sweep points failed (what finished is kept)."""
EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C or SIGTERM (128 + SIGINT, as shells report it)."""

stdout = Console(soft_wrap=True)
stderr = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """End the command with exit status 2 and ``message``, printed literally (key paths
    such as ``agent_groups[front]`` contain brackets that rich would read as markup).
    """
    stderr.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(EXIT_BAD_INPUT)


def load(path: Path) -> Scenario:
    """The scenario in ``path``, or exit 2 with every problem found in it."""
    from simulator.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as error:
        fail(str(error))


@contextmanager
def experiment_errors() -> Iterator[None]:
    """Report a bad backend or value (exit 2), failed replications (exit 1) and an
    interruption (exit 130) of a run or comparison that writes nothing until it ends.
    """
    from simulator.experiment import ReplicationFailed
    from simulator.experiment.backends import BackendError

    try:
        yield
    except (BackendError, ValueError) as error:
        fail(str(error))
    except ReplicationFailed as error:
        stderr.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False)
        raise typer.Exit(EXIT_FAILED) from None
    except KeyboardInterrupt:
        stderr.print("[bold red]interrupted[/]: nothing was written", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None


@contextmanager
def progress_bar(quiet: bool, label: str) -> Iterator[Progress | None]:
    """A transient progress bar on stderr (done of total, rate, elapsed, ETA), or None."""
    if quiet:
        yield None
        return
    columns = (
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr, transient=True) as progress:
        yield progress
