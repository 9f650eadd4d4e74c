"""Atomic replacement of a file: write a temporary file beside it, flush it to disk, rename it over.

A reader of ``path`` sees either the old file or the complete new one, never
a partial write: ``os.replace`` within one directory is atomic on POSIX and
Windows. A writer that fails removes its temporary file; one that is killed
(power cut, ``SIGKILL``) leaves it behind under a recognisable name,
``.<target name>.<random>.skl-lstm-tmp`` in the target's directory, which no
reader ever opens. The next save to the same target removes such leftovers
once they are older than :data:`STALE_AFTER_S` (younger ones may belong to a
save still running in another process).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from typing import BinaryIO

TEMP_SUFFIX = ".skl-lstm-tmp"
#: Age in seconds after which a leftover temporary file is taken to be from a dead writer.
STALE_AFTER_S = 3600.0


def temporary_prefix(path) -> str:
    """The name prefix of ``path``'s temporary files (they end with :data:`TEMP_SUFFIX`)."""
    return f".{os.path.basename(os.fspath(path))}."


def stray_temporary_files(path) -> list[str]:
    """Temporary files left beside ``path`` by saves to it that did not finish, oldest first.

    Parameters
    ----------
    path : str or os.PathLike
        The model file the saves wrote to.

    Returns
    -------
    list of str
        Paths of the temporary files (``TEMP_SUFFIX``), oldest first.
    """
    directory = os.path.dirname(os.path.abspath(path))
    prefix = temporary_prefix(path)
    found = [os.path.join(directory, n) for n in os.listdir(directory)
             if n.startswith(prefix) and n.endswith(TEMP_SUFFIX)]
    return sorted(found, key=os.path.getmtime)


def remove_stale_temporary_files(path, older_than: float = STALE_AFTER_S) -> list[str]:
    """Remove ``path``'s temporary files last written more than ``older_than`` seconds ago; return them."""
    limit = time.time() - older_than
    removed = []
    for name in stray_temporary_files(path):
        with contextlib.suppress(FileNotFoundError):  # another process may clean up at the same time
            if os.path.getmtime(name) < limit:
                os.remove(name)
                removed.append(name)
    return removed


def _fsync_directory(directory: str) -> None:
    """Make a rename in ``directory`` durable (POSIX; Windows has no directory handles to flush)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _new_file_mode(path: str) -> int:
    """The permissions ``path`` keeps (or gets, under the umask) when replaced; ``mkstemp`` creates 0o600."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0o022)  # read the umask: os.umask sets it and returns the previous one
        os.umask(umask)
        return 0o666 & ~umask


def write_atomically(path, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(fh)`` on a temporary file, then atomically replace ``path`` with it.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace. Its directory must exist.
    write : callable
        Writes the whole content to the binary file object it is given.

    Notes
    -----
    If ``write``, the flush or the rename fails (or is interrupted), the
    temporary file is removed and ``path`` is left as it was.
    """
    path = os.path.abspath(os.fspath(path))
    directory = os.path.dirname(path)
    remove_stale_temporary_files(path)
    fd, tmp = tempfile.mkstemp(prefix=temporary_prefix(path), suffix=TEMP_SUFFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, _new_file_mode(path))
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # KeyboardInterrupt included: never leave a partial file behind
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_directory(directory)
