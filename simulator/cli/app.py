"""The ``ccsim`` command line: parse, call the Python API, print and write files.

Each command lives in a module of its own in this package; this one only builds
the typer app. Bad input — a broken scenario file, a bad option, an output folder
holding another scenario's results — ends with a message on stderr and exit
status 2, never a traceback.
"""

from __future__ import annotations

import typer

from simulator.cli.check import check_command
from simulator.cli.erlang import erlang_app
from simulator.cli.experiments import register as register_experiment_commands
from simulator.cli.report import report_command
from simulator.cli.run import run_command
from simulator.cli.staff import staff_command
from simulator.cli.whatif import app_command

__all__ = ["app"]

app = typer.Typer(
    help="ccsim: simulate a contact centre and see what callers go through.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("run")(run_command)
register_experiment_commands(app)
app.command("staff")(staff_command)
app.command("report")(report_command)
app.command("check")(check_command)
app.command("app")(app_command)
app.add_typer(erlang_app, name="erlang", help="Erlang B, C and A calculators.")
