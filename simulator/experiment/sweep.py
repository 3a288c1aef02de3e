"""Sweeps: a Cartesian grid of scenario changes, every point with the same seeds.

``sweep(scenario, {"agent_groups[0].staffing": "20:30:2", "routing.policy": [...]})``
builds one scenario per combination of the swept values (:mod:`.overrides`), checks
them all before running anything, and replicates each point with replications
``0 .. n - 1`` of the same base seed, so points differ only by what was changed
(common random numbers). The result is one tidy table — a row per point and
replication, a column per swept key and per KPI — and a summary per point and KPI
with the call-weighted estimate and its 95 % interval.

Resumable, lossless output. With ``out=``, every finished point is written to
``out/points/point-NNNNN.parquet`` as soon as it is back: written to a temporary
file, flushed to disk and renamed, so a point file is either complete or absent,
whatever stops the sweep (Ctrl-C, SIGTERM, a crash). Running the same sweep again
reads the points already there and computes only the others. ``out/sweep.json``
holds a hash of what defines the results — the scenario's content, the grid, the
seed, the replications (or precision targets) and the ccsim version — and a sweep
whose hash differs is refused with what changed, never mixed with the old
results (``force=True`` discards them). When every point is done,
``results.parquet`` (the tidy table), ``summary.parquet`` and ``summary.csv`` are
written. Every file records the scenario, the seed, the ccsim version and the
backend that computed it.
"""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from simulator.experiment.backends import Backend, TaskFailure, backend_for
from simulator.experiment.compare import ccsim_version
from simulator.experiment.precision import KpiParts, PrecisionTarget
from simulator.experiment.runner import (
    ExperimentProgress,
    precision_decider,
    precision_plan,
    replicate,
)
from simulator.metrics.registry import kpi_bounds
from simulator.outputfiles import json_text, write_atomic
from simulator.scenario import Scenario, scenario_to_dict
from simulator.scenario.changes import Axis, apply_overrides, grid_points, parse_axes

__all__ = ["PointFailure", "SweepMismatch", "SweepResult", "scenario_digest", "sweep"]

FORMAT = "ccsim-sweep/1"
META = "sweep.json"
POINTS = "points"
RESULTS = "results.parquet"
SUMMARY = "summary.parquet"
SUMMARY_CSV = "summary.csv"
SCENARIO_COPY = "scenario.yaml"
PARQUET_KEY = b"ccsim.sweep"
"""Key of the JSON metadata in every Parquet file a sweep writes."""


class SweepMismatch(ValueError):
    """The output folder holds a different sweep (or other files): refused, not mixed."""


def scenario_digest(scenario: Scenario) -> str:
    """A hash of what a scenario simulates: its content (not its seed or replication
    count), including the values of CSV volume files, which its dict form only names.
    """
    data = scenario_to_dict(scenario)
    data.pop("seed", None)
    data.pop("replications", None)
    volumes = [
        list(v) if (v := ct.volume.values_per_interval()) is not None else None
        for ct in scenario.call_types
    ]
    text = json.dumps({"scenario": data, "volumes": volumes}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class PointFailure:
    """A sweep point that did not finish: which point, which replication and seed, why."""

    point: int
    values: dict[str, Any]
    seed: int
    replications: range
    failure: TaskFailure

    def __str__(self) -> str:
        setting = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        if self.failure.replication is not None:
            which = f"replication {self.failure.replication}"
        else:
            which = f"replications {self.replications.start}-{self.replications.stop - 1}"
        return f"point {self.point} ({setting}), {which}, seed {self.seed}: {self.failure}"


@dataclass
class _Point:
    """A finished point: its rows (one per replication) and its KPI estimates."""

    index: int
    frame: pd.DataFrame
    estimates: dict[str, tuple[float, float]]
    replications: int


@dataclass
class SweepResult:
    """What a sweep produced (or, if some points failed, the points that finished).

    ``replications()`` — the tidy table: a row per point and replication, columns
    ``point``, one per swept key, ``replication``, ``seed`` and one per KPI;
    ``summary()`` — a row per point and KPI with ``mean``, ``half_width``, ``low``,
    ``high`` (call-weighted, as ``RunResult.summary()``); ``failures`` — points that
    failed; ``computed`` / ``reused`` — points run now / read from ``out``.
    """

    axes: list[str]
    seed: int
    points: int
    metadata: dict[str, Any]
    computed: list[int]
    reused: list[int]
    failures: list[PointFailure]
    out: Path | None
    _table: pd.DataFrame = field(repr=False)
    _summary: pd.DataFrame = field(repr=False)

    @property
    def complete(self) -> bool:
        """Every point of the grid is done."""
        return len(self.computed) + len(self.reused) == self.points

    def replications(self) -> pd.DataFrame:
        """A row per point and replication, a column per swept key and per KPI."""
        return self._table.copy()

    def summary(self) -> pd.DataFrame:
        """A row per point and KPI: mean, 95 % half-width, bounds, replications."""
        return self._summary.copy()


# ----------------------------------------------------------------------------- files


def _atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Write ``path`` through a temporary file and a rename: complete or absent."""
    write_atomic(path, write)


def _write_json(path: Path, data: Any) -> None:
    _atomic(path, lambda tmp: tmp.write_text(json_text(data)))


def _write_parquet(path: Path, data: pd.DataFrame | pa.Table, meta: Mapping[str, Any]) -> None:
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    existing = table.schema.metadata or {}
    table = table.replace_schema_metadata(
        {**existing, PARQUET_KEY: json.dumps(meta, default=str).encode()}
    )
    _atomic(path, lambda tmp: pq.write_table(table, tmp))


def _point_path(folder: Path, index: int) -> Path:
    return folder / POINTS / f"point-{index:05d}.parquet"


def _read_point(path: Path) -> tuple[dict[str, Any], _Point]:
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {})[PARQUET_KEY])
    estimates = {k: (float(v[0]), float(v[1])) for k, v in meta["estimates"].items()}
    return meta, _Point(meta["point"], table.to_pandas(), estimates, int(meta["replications"]))


def _explain(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    words = {
        "scenario": "the scenario's content",
        "seed": "the seed",
        "replications": "the replications per point",
        "precision": "the precision targets",
        "max_replications": "the replication cap",
        "ccsim_version": "the ccsim version",
    }
    changes = []
    for key, label in words.items():
        if old.get(key) != new.get(key):
            changes.append(f"{label} changed ({_short(old.get(key))} -> {_short(new.get(key))})")
    if old.get("grid") != new.get("grid"):
        found = len(changes)
        before = {str(k): v for k, v in old.get("grid") or []}
        after = {str(k): v for k, v in new.get("grid") or []}
        for key in [*before, *(k for k in after if k not in before)]:
            if key not in after:
                changes.append(f"--set {key} is no longer swept")
            elif key not in before:
                changes.append(f"--set {key} is new")
            elif before[key] != after[key]:
                changes.append(
                    f"--set {key} changed ({_short(before[key])} -> {_short(after[key])})"
                )
        if len(changes) == found:
            changes.append("the --set keys are in another order")
    return "; ".join(changes) or "its definition differs"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _clear(folder: Path) -> None:
    """Remove what an earlier sweep wrote (only ccsim's own files)."""
    for name in (META, RESULTS, SUMMARY, SUMMARY_CSV, SCENARIO_COPY):
        (folder / name).unlink(missing_ok=True)
    for path in folder.glob("*.png"):
        path.unlink()
    points = folder / POINTS
    if points.is_dir():
        for path in points.iterdir():
            if path.name.startswith(("point-", ".point-")):
                path.unlink()


def _prepare(folder: Path, identity: Mapping[str, Any], digest: str, force: bool) -> list[Any]:
    """Make ``folder`` ready for this sweep, refusing one that holds something else.

    Returns the sessions recorded by earlier runs of the same sweep.
    """
    if folder.exists() and not folder.is_dir():
        raise SweepMismatch(f"output path {folder} exists and is not a folder")
    meta_path = folder / META
    sessions: list[Any] = []
    if meta_path.exists():
        try:
            old = json.loads(meta_path.read_text())
        except (OSError, ValueError):
            old = {}
        if old.get("hash") == digest:
            sessions = list(old.get("sessions", []))
        elif not force:
            what = _explain(old.get("identity", {}), identity)
            raise SweepMismatch(
                f"output folder {folder} holds a different sweep: {what}. Refusing to mix "
                "its results with these; choose another --out, or pass --force to discard "
                "them"
            )
        else:
            _clear(folder)
    elif folder.exists() and any(folder.iterdir()) and not force:
        raise SweepMismatch(
            f"output folder {folder} is not empty and holds no ccsim sweep; choose another "
            "--out or pass --force"
        )
    (folder / POINTS).mkdir(parents=True, exist_ok=True)
    for stale in [*folder.glob(".*.tmp"), *(folder / POINTS).glob(".*.tmp")]:
        stale.unlink(missing_ok=True)
    return sessions


def _load_done(folder: Path, digest: str, total: int) -> dict[int, _Point]:
    """The points of this sweep already in ``folder``; any other file there is removed."""
    done: dict[int, _Point] = {}
    for path in sorted((folder / POINTS).glob("point-*.parquet")):
        try:
            meta, point = _read_point(path)
        except (OSError, ValueError, KeyError, pa.ArrowException):
            path.unlink()
            continue
        if meta.get("sweep") != digest or not 0 <= point.index < total:
            path.unlink()
            continue
        done[point.index] = point
    return done


def _open(folder: Path, scenario: Scenario, meta: dict[str, Any], force: bool) -> dict[int, _Point]:
    """Check and prepare ``folder``, record the sweep in it, and read the points done."""
    meta["sessions"] = _prepare(folder, meta["identity"], meta["hash"], force)
    _write_json(folder / META, meta)
    _atomic(
        folder / SCENARIO_COPY,
        lambda tmp: tmp.write_text(yaml.safe_dump(scenario_to_dict(scenario), sort_keys=False)),
    )
    return _load_done(folder, meta["hash"], meta["points"])


def _close(folder: Path, result: SweepResult) -> None:
    """Write the tables of a complete sweep, and its state, to ``folder``."""
    meta = result.metadata
    meta["complete"] = result.complete
    if result.complete:
        summary = result.summary()
        _write_parquet(folder / RESULTS, result.replications(), meta)
        _write_parquet(folder / SUMMARY, summary, meta)
        _atomic(folder / SUMMARY_CSV, lambda tmp: summary.to_csv(tmp, index=False))
    _write_json(folder / META, meta)


# ----------------------------------------------------------------------------- tables


def _cells(axis: Axis) -> dict[str, Any]:
    """Each value of an axis as a table cell: numbers stay numbers (ints become floats
    beside floats), structures become JSON text, mixed kinds become text.
    """
    values = list(axis.values)
    cells: list[Any]
    numbers = [v for v in values if v is not None]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers):
        if any(isinstance(v, float) for v in numbers):
            cells = [None if v is None else float(v) for v in values]
        else:
            cells = values
    elif all(isinstance(v, str) for v in numbers) or all(isinstance(v, bool) for v in numbers):
        cells = values
    else:
        cells = [
            json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else str(v) for v in values
        ]
    return {
        json.dumps(v, sort_keys=True, default=str): c for v, c in zip(values, cells, strict=True)
    }


def _point_table(index: int, cells: Mapping[str, Any], seed: int, parts: KpiParts) -> pa.Table:
    """A point's rows as an Arrow table: point, swept keys, replication, seed, KPIs."""
    n = parts.n
    columns: dict[str, Any] = {"point": np.full(n, index, dtype=np.int64)}
    for axis, cell in cells.items():
        columns[axis] = [cell] * n
    columns["replication"] = parts.replications.astype(np.int64)
    columns["seed"] = np.full(n, seed, dtype=np.int64)
    values = parts.value_matrix()
    for k, name in enumerate(parts.names):
        columns[name] = np.ascontiguousarray(values[:, k])
    return pa.table(columns)


def _summary_frame(points: Sequence[_Point], axes: Sequence[str]) -> pd.DataFrame:
    records = []
    for point in points:
        first = point.frame.iloc[0]
        factors = {axis: first[axis] for axis in axes}
        for kpi, (mean, half_width) in point.estimates.items():
            records.append(
                {
                    "point": point.index,
                    **factors,
                    "kpi": kpi,
                    "mean": mean,
                    "half_width": half_width,
                    **kpi_bounds(kpi, mean, half_width),
                    "replications": point.replications,
                }
            )
    columns = [
        "point",
        *axes,
        "kpi",
        "mean",
        "half_width",
        "low",
        "high",
        "clipped",
        "replications",
    ]
    return pd.DataFrame.from_records(records, columns=columns)


# ----------------------------------------------------------------------------- sweep


def sweep(
    scenario: Scenario,
    grid: Mapping[str, Any] | Sequence[str],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = 1,
    *,
    out: str | Path | None = None,
    force: bool = False,
    dask: Any = None,
    precision: Mapping[str, float] | Sequence[PrecisionTarget] | None = None,
    max_replications: int | None = None,
    base_dir: str | Path | None = None,
    progress: Callable[[ExperimentProgress], None] | None = None,
    on_failure: Callable[[PointFailure], None] | None = None,
    backend: Backend | None = None,
) -> SweepResult:
    """Run ``scenario`` at every point of a Cartesian grid, with the same seeds everywhere.

    Parameters
    ----------
    scenario : the base scenario.
    grid : ``{key path: values}`` (a list of values, or a ``--set`` string such as
        ``"20:30:2"`` or ``"fcfs,priority_longest_idle"``), or ``["KEY=VALUES", ...]``.
    replications : per point (default: the scenario's); with ``precision``, to start with.
    seed : base seed of every point (default: the scenario's).
    workers : local processes; 1 (the default, as for ``run``, ``compare`` and ``sweep``)
        runs in this process, ``None`` uses every core (the command line's default). With
        ``dask="local"``, the number of Dask workers.
    out : folder to write each finished point to, and to resume from.
    force : discard results in ``out`` from a different sweep instead of refusing.
    dask : a scheduler address, a ``distributed.Client``, or ``"local"``.
    precision : ``{kpi: half_width}``: per point, add replications until each target is
        met or ``max_replications``.
    base_dir : folder that CSV volume files are read from (that of the scenario file).
    progress : callback receiving an :class:`ExperimentProgress` (reused points count
        as done).
    on_failure : callback for each failed point, as it fails; the others go on.
    backend : a backend to reuse (``workers`` and ``dask`` are then ignored).

    Raises
    ------
    OverrideError
        For an unknown key path, a bad value, or a point that is not a valid scenario.
    SweepMismatch
        When ``out`` holds a different sweep (and not ``force``).
    """
    n = scenario.replications if replications is None else replications
    base_seed = scenario.seed if seed is None else seed
    if n < 1:
        raise ValueError(f"replications must be at least 1, got {n}")
    axes = parse_axes(scenario, grid)
    grid_values = grid_points(axes)
    scenarios = [apply_overrides(scenario, axes, v, base_dir) for v in grid_values]
    targets, start, cap = precision_plan(scenario, n, precision, max_replications)
    names = [a.path for a in axes]
    cells = {a.path: _cells(a) for a in axes}

    def cells_of(values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: cells[k][json.dumps(values[k], sort_keys=True, default=str)] for k in names}

    identity = {
        "scenario": scenario_digest(scenario),
        "grid": [[a.path, _jsonable(list(a.values))] for a in axes],
        "seed": base_seed,
        "replications": start,
        "precision": {t.kpi: t.half_width for t in targets} or None,
        "max_replications": cap if targets else None,
        "ccsim_version": ccsim_version(),
    }
    meta: dict[str, Any] = {
        "format": FORMAT,
        "hash": hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16],
        "identity": identity,
        "scenario": scenario.name,
        "seed": base_seed,
        "axes": names,
        "points": len(grid_values),
        "ccsim_version": ccsim_version(),
        "estimator": "call-weighted ratio of totals for rates, mean for levels; 95% t "
        "intervals (delta method for rates), as RunResult.summary()",
        "sessions": [],
        "complete": False,
    }
    folder = None if out is None else Path(out)
    done = {} if folder is None else _open(folder, scenario, meta, force)
    reused = sorted(done)
    reused_reps = sum(p.replications for p in done.values())
    pending = [i for i in range(len(grid_values)) if i not in done]
    session: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": socket.gethostname(),
        "ccsim_version": ccsim_version(),
        "backend": {"backend": "none (every point reused)"},
        "reused_points": len(reused),
    }
    meta["sessions"].append(session)
    computed: list[int] = []
    failures: list[PointFailure] = []

    def finished(g: int, merged: list[Any]) -> None:
        index = pending[g]
        parts: KpiParts = merged[0]
        table = _point_table(index, cells_of(grid_values[index]), base_seed, parts)
        estimates = {k: parts.estimate(k) for k in parts.names}
        if folder is not None:
            info = {
                "sweep": meta["hash"],
                "point": index,
                "values": _jsonable(grid_values[index]),
                "scenario": scenario.name,
                "seed": base_seed,
                "replications": parts.n,
                "ccsim_version": ccsim_version(),
                "backend": session["backend"],
                "estimates": estimates,
            }
            _write_parquet(_point_path(folder, index), table, info)
        done[index] = _Point(index, table.to_pandas(), estimates, parts.n)
        computed.append(index)

    def failed(g: int, _: int, reps: range, failure: TaskFailure) -> None:
        index = pending[g]
        problem = PointFailure(index, grid_values[index], base_seed, reps, failure)
        failures.append(problem)
        if on_failure is not None:
            on_failure(problem)

    def tick(state: ExperimentProgress) -> None:
        if progress is not None:
            progress(
                ExperimentProgress(
                    state.groups_done + len(reused),
                    len(grid_values),
                    state.replications_done + reused_reps,
                    state.replications_planned + reused_reps,
                )
            )

    if pending:
        with backend_for(backend, workers, dask, tasks=len(pending) * start) as running:
            session["backend"] = running.describe()
            if folder is not None:
                _write_json(folder / META, meta)
            decide = (
                precision_decider(targets, cap, lambda _, merged: merged[0].half_widths())
                if targets
                else None
            )
            replicate(
                [[scenarios[i]] for i in pending],
                [start] * len(pending),
                base_seed,
                running,
                finished,
                kind="parts",
                decide=decide,
                on_failure=failed,
                progress=tick,
            )
    else:
        tick(ExperimentProgress(0, 0, 0, 0))
    points = [done[i] for i in sorted(done)]
    result = SweepResult(
        axes=names,
        seed=base_seed,
        points=len(grid_values),
        metadata=meta,
        computed=sorted(computed),
        reused=reused,
        failures=failures,
        out=folder,
        _table=pd.concat([p.frame for p in points], ignore_index=True)
        if points
        else pd.DataFrame(),
        _summary=_summary_frame(points, names),
    )
    if folder is not None:
        _close(folder, result)
    return result
