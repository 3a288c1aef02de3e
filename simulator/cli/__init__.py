"""The ``ccsim`` command line (a typer app); one module per command."""

from simulator.cli.app import app

__all__ = ["app"]
