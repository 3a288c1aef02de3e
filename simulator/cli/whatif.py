"""``ccsim app SCENARIO``: the what-if page for planners, served on this machine.

The command checks its input — the scenario (every problem with its key path), the
port, Panel being installed — and then serves the page until Ctrl-C. It binds to the
loopback address unless ``--host`` says otherwise, and reads no file but the scenario
and the files it references. Bad input ends with a message and exit status 2.
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path
from typing import Annotated

import typer

from simulator.cli.common import EXIT_INTERRUPTED, fail, load, stderr, stdout

__all__ = ["LOOPBACK", "app_command"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""Hosts only this machine can reach."""
INSTALL_HINT = (
    "ccsim app needs Panel: install it with  pip install 'ccsim[app]'  (or pip install panel)"
)


def _check_port(host: str, port: int) -> None:
    """Fail with a message when ``host:port`` cannot be bound (in use, or no such address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        fail(f"--host {host}: not an address of this machine ({error.strerror})")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                fail(f"--port {port}: already in use on {host}; choose another with --port")
            fail(f"--host {host} --port {port}: cannot listen there ({error.strerror})")


def app_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="Scenario file.")],
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to serve the page on.")
    ] = 8050,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; the default lets only this machine in."),
    ] = "127.0.0.1",
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Do not open the page in a browser.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
) -> None:
    """Serve the what-if page: change staffing, demand and policies, see the effect with its
    95 % interval against the scenario as loaded.
    """
    scenario = load(scenario_path)
    try:
        import panel  # noqa: F401
    except ImportError:
        fail(INSTALL_HINT)
    _check_port(host, port)
    from simulator.webapp.page import serve

    if not quiet:
        shown = f"[{host}]" if ":" in host else host
        stdout.print(
            f"What-if page for {scenario.name!r}: http://{shown}:{port}/  (Ctrl-C to stop)",
            highlight=False,
            markup=False,
        )
        if host not in LOOPBACK:
            stderr.print(
                f"warning: listening on {host}: anyone who can reach this machine can use the page",
                highlight=False,
                markup=False,
            )
    try:
        serve(scenario_path, port, host, show=not no_browser, quiet=quiet)
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
