"""Writing output files so that each is complete or absent, and JSON that is valid JSON.

Every file any ``ccsim`` command writes goes through :func:`write_atomic`: the content
goes to a temporary file in the same folder, is flushed and ``fsync``-ed, and is then
renamed over the target (a rename within a folder is atomic on POSIX). A full disk, a
file-size limit or a read-only folder therefore never leaves a truncated file under the
target's name; the temporary file is removed and the error names the target path.

JSON written or printed by ccsim never contains ``NaN`` or ``Infinity`` (which are not
JSON): :func:`json_text` writes ``null`` instead and says why beside it.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "NULL_REASONS_KEY",
    "finite_json",
    "json_text",
    "save_figure",
    "write_atomic",
    "write_csv",
    "write_text",
]

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
