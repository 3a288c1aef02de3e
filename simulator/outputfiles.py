"""Writing output files so that each is complete or absent, and JSON that is valid JSON.

Every file any ``ccsim`` command writes goes through :func:`write_atomic`: the content
goes to a temporary file in the same folder, is flushed and ``fsync``-ed, and is then
renamed over the target (a rename within a folder is atomic on POSIX). A full disk, a
file-size limit or a read-only folder therefore never leaves a truncated file under the
target's name; the temporary file is removed and the error names the target path.

A set of files that belong together — a run's output folder, a fit's scenario and its
report — goes through :func:`write_file_set`: all of them are written into a staging
folder first, and only when every one is complete do they replace the earlier files,
so a failure leaves the folder as it was (all files or none).

JSON written or printed by ccsim never contains ``NaN`` or ``Infinity`` (which are not
JSON): :func:`json_text` writes ``null`` instead and says why beside it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "NULL_REASONS_KEY",
    "FileContent",
    "finite_json",
    "json_text",
    "save_figure",
    "write_atomic",
    "write_csv",
    "write_file_set",
    "write_text",
]

FileContent = str | bytes | Callable[[Path], object]
"""What :func:`write_file_set` writes to a file: text (UTF-8), bytes, or a function that
writes the whole file to the path it is given (named as the target, in a staging folder)."""
STAGING_PREFIX = ".ccsim-staging-"
"""Prefix of the staging folder :func:`write_file_set` makes inside the target folder."""

NULL_REASONS_KEY = "null_reasons"
"""Key added to a JSON object that had non-finite numbers: key -> why it is null."""


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: Path, write: Callable[[Path], object]) -> Path:
    """Write ``path`` by calling ``write(temporary_path)``, then flush, sync and rename.

    Parameters
    ----------
    path
        The file to create or replace.
    write
        Writes the whole content to the path it is given (a temporary name beside
        ``path``; it must not infer a format from that name's suffix).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        With ``filename`` set to ``path`` when anything fails (nothing is left behind).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    return path


def _write_content(path: Path, content: FileContent) -> None:
    """Write ``content`` to ``path`` and sync it to disk."""
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content(path)
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def write_file_set(
    folder: Path, files: Mapping[str, FileContent], *, stale: Iterable[str] = ()
) -> list[Path]:
    """Write the files that belong together into ``folder``: all of them or none.

    Parameters
    ----------
    folder
        Where the files go (created, with its parents, if missing).
    files
        File name (no folder part) -> its content: text, bytes, or a function writing the
        whole file to the path it is given. They are written, and put in place, in this
        order (so the last can be a marker saying the set is complete).
    stale
        Names of files of an earlier set to remove once the new set is in place (those
        among ``files`` are replaced anyway).

    Returns
    -------
    list of Path
        The paths written, in the order of ``files``.

    Raises
    ------
    OSError
        With ``filename`` set to the target file (not its staging copy) when anything
        fails. The folder is then as it was: the earlier files are restored, the staging
        folder removed, and a folder this call created removed as a whole.
    ValueError
        If a name has a folder part.

    Notes
    -----
    Each file is written and ``fsync``-ed in a staging folder inside ``folder``; then the
    earlier files of the same names are moved aside, the new ones renamed into place
    (renames within a folder are atomic on POSIX) and the earlier ones dropped. A
    failure while renaming moves the earlier files back.
    """
    folder = Path(folder)
    for name in files:
        if not name or Path(name).name != name or name in (".", ".."):
            raise ValueError(f"file name {name!r} must be a plain name, without a folder")
    created = not folder.exists()
    target = folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(folder)) from error
    aside = stage / ".earlier"
    moved: list[str] = []
    placed: list[str] = []
    try:
        for name, content in files.items():
            target = folder / name
            _write_content(stage / name, content)
        aside.mkdir()
        for name in files:
            target = folder / name
            if target.exists():
                os.replace(target, aside / name)
                moved.append(name)
            os.replace(stage / name, target)
            placed.append(name)
        _fsync_folder(folder)
    except BaseException as error:
        for name in placed:
            with contextlib.suppress(OSError):
                (folder / name).unlink()
        for name in moved:
            with contextlib.suppress(OSError):
                os.replace(aside / name, folder / name)
        shutil.rmtree(stage, ignore_errors=True)
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(error, OSError):
            raise OSError(error.errno, error.strerror or str(error), str(target)) from error
        raise
    shutil.rmtree(stage, ignore_errors=True)
    for name in set(stale) - set(files):
        if name and Path(name).name == name and name not in (".", ".."):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
    return [folder / name for name in files]


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


class _Table(Protocol):
    def to_csv(self, path_or_buf: Any, *, index: bool) -> Any: ...


def write_csv(path: Path, table: _Table) -> Path:
    """Write a pandas DataFrame to ``path`` as CSV (no index column) atomically."""
    return write_atomic(path, lambda tmp: table.to_csv(tmp, index=False))


class _Figure(Protocol):
    def savefig(self, fname: Any, **kwargs: Any) -> None: ...


def save_figure(figure: _Figure, path: Path, **kwargs: Any) -> Path:
    """Save a matplotlib figure to ``path`` atomically (format from ``path``'s suffix)."""
    fmt = Path(path).suffix.lstrip(".") or "png"
    return write_atomic(path, lambda tmp: figure.savefig(tmp, format=fmt, **kwargs))


def _reason(value: float) -> str:
    if math.isnan(value):
        return "undefined: nothing to compute it from in this run"
    return "infinite" if value > 0 else "minus infinite"


def finite_json(data: Any) -> Any:
    """A copy of ``data`` with every non-finite float replaced by ``None``.

    In a mapping, the keys so replaced are listed under :data:`NULL_REASONS_KEY` with
    why (undefined or infinite). numpy scalars are converted to Python numbers.
    """
    if isinstance(data, dict):
        out: dict[Any, Any] = {}
        reasons: dict[str, str] = {}
        for key, value in data.items():
            number = _as_float(value)
            if number is not None and not math.isfinite(number):
                out[key] = None
                reasons[str(key)] = _reason(number)
            else:
                out[key] = finite_json(value)
        if reasons:
            out[NULL_REASONS_KEY] = {**out.get(NULL_REASONS_KEY, {}), **reasons}
        return out
    if isinstance(data, list | tuple):
        return [finite_json(item) for item in data]
    number = _as_float(data)
    if number is not None:
        if not math.isfinite(number):
            return None
        return data if isinstance(data, int | float) else data.item()
    return data


def _as_float(value: Any) -> float | None:
    """``value`` as a float if it is a real number (bool excluded), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item) and getattr(value, "shape", None) == ():
        converted = item()
        if isinstance(converted, int | float) and not isinstance(converted, bool):
            return float(converted)
    return None


def json_text(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text, non-finite numbers as ``null`` with reasons (never NaN)."""
    return json.dumps(finite_json(data), indent=indent, allow_nan=False, default=str)
