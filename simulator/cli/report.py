"""``ccsim report OUTDIR``: the self-contained HTML report of an output folder.

The command only parses, calls :func:`simulator.report.write_report` and prints
where the file went; a missing or foreign folder ends with a message on stderr
and exit status 2. It re-runs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import fail, stdout

__all__ = ["report_command"]


def report_command(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="OUTDIR", help="Output folder of ccsim run (or compare, sweep, staff)."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file to write (default OUTDIR/report.html)."),
    ] = None,
    target_sl: Annotated[
        float | None,
        typer.Option(
            "--target-sl",
            min=0.0,
            max=1.0,
            help="Service-level target (e.g. 0.8): drawn on the figures, intervals below marked.",
        ),
    ] = None,
) -> None:
    """Write a self-contained HTML report (figures embedded) of an output folder."""
    from simulator.report import ReportError, write_report

    try:
        path = write_report(folder, output, service_level_target=target_sl)
    except ReportError as error:
        fail(str(error))
    stdout.print(f"wrote {path}", highlight=False, markup=False)
