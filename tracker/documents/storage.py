"""The upload folder: each file kept once, under its SHA-256, written atomically.

``UPLOAD_DIR/ab/abcdef…`` (the first two hex digits make a sub-folder, so no folder holds
too many files). A file is written to a temporary name in the same folder, flushed to the
disk, then renamed over its final name (``os.replace``, atomic on one file system): a
reader, a crash or a second writer of the same file never sees half of it. Two uploads of
the same bytes name the same file, so it is stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

#: Read files in pieces this large when hashing them.
_CHUNK = 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return upload_dir() / sha256[:2] / sha256


def hash_of_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write(handle, data: bytes) -> None:
    """Write every byte and flush it to the disk (a seam the fault tests break)."""
    handle.write(data)
    handle.flush()
    os.fsync(handle.fileno())


def store(data: bytes) -> str:
    """Keep these bytes under their SHA-256 and return it; OSError when they cannot be.

    A file already stored with this hash is left alone; one whose content no longer
    matches its name (changed on the disk) is written again.
    """
    sha256 = sha256_of(data)
    target = path_for(sha256)
    if target.is_file() and hash_of_file(target) == sha256:
        return sha256
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as handle:
            _write(handle, data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return sha256


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new name too, so it survives a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_problem(sha256: str) -> str | None:
    """Why the stored file for this hash is not as kept ("missing", "changed"), or None."""
    path = path_for(sha256)
    if not path.is_file():
        return "its file is missing"
    if hash_of_file(path) != sha256:
        return "its file was changed (its content no longer has its SHA-256)"
    return None


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()
