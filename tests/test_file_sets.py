"""``write_file_set``: the files that belong together are written all or none, and the
run, compare and fit folders go through it."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from simulator.outputfiles import STAGING_PREFIX, write_file_set


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_set_is_written_in_order_and_replaces_the_earlier_one(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    paths = write_file_set(
        out,
        {
            "a.txt": "first é",
            "b.bin": b"\x00\x01",
            "c.csv": lambda path: path.write_text("x\n1\n"),
        },
    )
    assert paths == [out / "a.txt", out / "b.bin", out / "c.csv"]
    assert _contents(out) == {"a.txt": "first é".encode(), "b.bin": b"\x00\x01", "c.csv": b"x\n1\n"}
    # A second set replaces a.txt, drops the stale c.csv, keeps what it was not told about.
    (out / "notes.md").write_text("mine")
    write_file_set(out, {"a.txt": "second"}, stale=["c.csv", "../notes.md", "nothing.txt"])
    assert _contents(out) == {"a.txt": b"second", "b.bin": b"\x00\x01", "notes.md": b"mine"}


def test_a_failing_file_leaves_the_earlier_set_untouched(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_file_set(out, {"a.txt": "old a", "b.txt": "old b"})
    before = _contents(out)

    def full_disk(path: Path) -> None:
        path.write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with pytest.raises(OSError) as caught:
        write_file_set(out, {"a.txt": "new a", "b.txt": full_disk}, stale=["a.txt"])
    assert caught.value.filename == str(out / "b.txt")  # the target, not a staging copy
    assert caught.value.errno == errno.ENOSPC
    assert _contents(out) == before  # nothing replaced, no staging folder left


def test_a_failing_rename_puts_the_earlier_files_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    write_file_set(out, {"a.txt": "old a", "b.txt": "old b", "c.txt": "old c"})
    before = _contents(out)
    real_replace = os.replace

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst) == out / "c.txt" and STAGING_PREFIX in str(src) and ".earlier" not in str(src):
            raise OSError(errno.EIO, "Input/output error")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="Input/output error") as caught:
        write_file_set(out, {"a.txt": "new a", "b.txt": "new b", "c.txt": "new c"})
    assert caught.value.filename == str(out / "c.txt")
    monkeypatch.setattr(os, "replace", real_replace)
    assert _contents(out) == before  # a and b had been replaced: both restored


def test_a_folder_the_set_created_is_removed_on_failure(tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"

    def broken(path: Path) -> None:
        raise OSError(errno.EFBIG, "File too large")

    with pytest.raises(OSError, match="File too large"):
        write_file_set(out, {"a.txt": "a", "b.txt": broken})
    assert not out.exists()
    with pytest.raises(ValueError, match="plain name"):
        write_file_set(tmp_path, {"sub/a.txt": "a"})


def test_an_interrupted_set_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_file_set(out, {"a.txt": "old"})

    def interrupted(path: Path) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_file_set(out, {"a.txt": "new", "b.txt": interrupted})
    assert _contents(out) == {"a.txt": b"old"}
