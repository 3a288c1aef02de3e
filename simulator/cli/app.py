"""The ``ccsim`` command line: parse, call the Python API, print and write files.

Each command lives in a module of its own in this package; this one only builds
the typer app. Bad input — a broken scenario file, a bad option, an output folder
holding another scenario's results — ends with a message on stderr and exit
status 2, never a traceback.

Commands are loaded lazily: ``ccsim --help`` lists them from :data:`COMMANDS` and a
command's module is imported only when that command runs, so ``ccsim --help``,
``--version``, ``check`` and ``erlang`` never import pandas, matplotlib or the model.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

__all__ = ["COMMANDS", "app"]


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives and its one-line help (shown by ``ccsim --help``)."""

    module: str
    attribute: str
    help: str
    kind: str = "command"  # command (a function) | app (a typer sub-app) | register


COMMANDS: dict[str, LazyCommand] = {
    "run": LazyCommand(
        module="simulator.cli.run",
        attribute="run_command",
        help="Simulate a scenario: print the KPI table and write the output folder.",
    ),
    "compare": LazyCommand(
        module="simulator.cli.experiments",
        attribute="register",
        help="Compare scenarios with common random numbers: paired differences with 95 % CIs.",
        kind="register",
    ),
    "sweep": LazyCommand(
        module="simulator.cli.experiments",
        attribute="register",
        help="Sweep a grid of scenario changes, every point with the same seeds; resumable.",
        kind="register",
    ),
    "staff": LazyCommand(
        module="simulator.cli.staff",
        attribute="staff_command",
        help="Find the fewest agents per interval whose expected KPIs meet every queue's targets.",
    ),
    "report": LazyCommand(
        module="simulator.cli.report",
        attribute="report_command",
        help="Write a self-contained HTML report (figures embedded) of an output folder.",
    ),
    "fit": LazyCommand(
        module="simulator.cli.fit",
        attribute="fit_command",
        help="Fit a scenario from a contact log, with a back-test on held-out days.",
    ),
    "app": LazyCommand(
        module="simulator.cli.whatif",
        attribute="app_command",
        help="Open the what-if page: change the centre, see the effect with its confidence.",
    ),
    "check": LazyCommand(
        module="simulator.cli.check",
        attribute="check_command",
        help="Validate a scenario file without running it.",
    ),
    "erlang": LazyCommand(
        module="simulator.cli.erlang",
        attribute="erlang_app",
        help="Erlang B, C and A calculators.",
        kind="app",
    ),
}
"""Every ``ccsim`` command, in the order ``ccsim --help`` lists them."""


def load_command(name: str) -> Any:
    """Import the module of command ``name`` and build its click command."""
    spec = COMMANDS[name]
    target: Any = getattr(importlib.import_module(spec.module), spec.attribute)
    holder = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    if spec.kind == "app":
        holder.add_typer(target, name=name, help=spec.help)
    elif spec.kind == "register":
        target(holder)
    else:
        holder.command(name)(target)
    holder.callback()(lambda: None)  # keeps a group even with one command
    group: Any = typer.main.get_command(holder)
    return group.get_command(typer.Context(group), name)


class LazyGroup(TyperGroup):
    """A typer group whose commands are imported only when they are used."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def invoke(self, ctx: Any) -> Any:
        """Run the command; a file-system error (unwritable folder, full disk, file-size
        limit) ends it with exit status 2 and a message naming the path, no traceback.
        """
        try:
            return super().invoke(ctx)
        except OSError as error:
            from simulator.cli.common import fail

            path = error.filename if error.filename is not None else "a file"
            fail(f"cannot write or read {path}: {error.strerror or error}")

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """List the commands with their one-line help, importing none of them."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, spec.help) for name, spec in COMMANDS.items()])


def _version(value: bool) -> None:
    if value:
        from simulator import __version__

        typer.echo(f"ccsim {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LazyGroup,
    help="ccsim: simulate a contact centre and see what callers go through.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """ccsim: simulate a contact centre and see what callers go through."""
