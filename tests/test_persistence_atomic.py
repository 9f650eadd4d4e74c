"""Saving replaces the file atomically: a failed or killed save never leaves a broken file under the target name."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

import skl_lstm
from skl_lstm.persistence import TEMP_SUFFIX, _archive, stray_temporary_files

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def scaler(k):
    """A scaler whose arrays are large enough (3 x 1.6 MB) that a save takes a noticeable time."""
    return StandardScaler().fit(np.random.default_rng(k).normal(k, 1, size=(3, 200_000)))


def test_save_replaces_the_file_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(Ridge(alpha=1.0), path)
    skl_lstm.save(Ridge(alpha=2.0), path)
    assert skl_lstm.load(path).alpha == 2.0 and os.listdir(tmp_path) == ["m.skl-lstm"]


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failing_write_keeps_the_old_file_and_removes_its_temporary_file(tmp_path, monkeypatch, failure):
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(Ridge(alpha=1.0), path)
    seen = []

    def half_write(fh, header, members):
        fh.write(b"PK\x03\x04 half an archive")
        seen.extend(stray_temporary_files(path))
        raise failure

    monkeypatch.setattr(_archive, "write_archive", half_write)
    with pytest.raises(type(failure)):
        skl_lstm.save(Ridge(alpha=2.0), path)
    assert len(seen) == 1 and os.path.basename(seen[0]).startswith(".m.skl-lstm.") and seen[0].endswith(TEMP_SUFFIX)
    assert os.listdir(tmp_path) == ["m.skl-lstm"] and skl_lstm.load(path).alpha == 1.0


def test_a_value_that_cannot_be_saved_touches_nothing(tmp_path):
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(Ridge(alpha=1.0), path)
    with pytest.raises(TypeError, match="not on skl_lstm's trusted list"):
        skl_lstm.save({"ridge": Ridge(), "rng": np.random.RandomState(0)}, path)
    assert os.listdir(tmp_path) == ["m.skl-lstm"] and skl_lstm.load(path).alpha == 1.0


def test_stale_temporary_files_of_the_target_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "m.skl-lstm"
    stale, fresh = tmp_path / f".m.skl-lstm.old{TEMP_SUFFIX}", tmp_path / f".m.skl-lstm.new{TEMP_SUFFIX}"
    other = tmp_path / f".n.skl-lstm.old{TEMP_SUFFIX}"  # another target's: left alone
    for stray in (stale, fresh, other):
        stray.write_bytes(b"partial")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    os.utime(other, (two_hours_ago, two_hours_ago))
    skl_lstm.save(Ridge(), path)
    assert sorted(os.listdir(tmp_path)) == sorted([fresh.name, other.name, path.name])
    assert stray_temporary_files(path) == [str(fresh)]


def test_permissions_of_a_replaced_file_are_kept(tmp_path):
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(Ridge(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # as open() would create it, not mkstemp's 0o600
    os.chmod(path, 0o640)
    skl_lstm.save(Ridge(), path)
    assert os.stat(path).st_mode & 0o777 == 0o640


SAVER = """
import sys
import numpy as np
from sklearn.preprocessing import StandardScaler
import skl_lstm

models = [StandardScaler().fit(np.random.default_rng(k).normal(k, 1, size=(3, 200_000))) for k in (1, 2)]
print("ready", flush=True)
for i in range(100_000):
    skl_lstm.save(models[i % 2], sys.argv[1])
"""


def _wait(condition, what, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.0005)


def _kill_saver(path, moment):
    """Start a process saving over ``path`` in a loop, SIGKILL it at ``moment``; return the temporary files it left."""
    saver = subprocess.Popen([sys.executable, "-c", SAVER, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        assert saver.stdout.readline() == "ready\n", saver.stderr.read()
        before = set(stray_temporary_files(path))
        if moment == "temporary file present":
            _wait(lambda: set(stray_temporary_files(path)) - before, "a temporary file")
        elif moment == "just renamed":
            mtime = os.stat(path).st_mtime_ns
            _wait(lambda: os.stat(path).st_mtime_ns != mtime, "a rename")
        else:
            time.sleep(moment)
        saver.send_signal(signal.SIGKILL)
        saver.wait(30)
    finally:
        if saver.poll() is None:
            saver.kill()
        saver.stdout.close()
        saver.stderr.close()
    return set(stray_temporary_files(path)) - before


def test_killing_a_save_at_any_moment_leaves_a_loadable_file(tmp_path):
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(scaler(0), path)
    means = [scaler(k).mean_ for k in (0, 1, 2)]  # the old model, then the two the saver alternates

    def which():
        """The index of the model at ``path``: it always loads (never a broken file) and is one of the three."""
        loaded = skl_lstm.load(path)
        (index,) = [k for k, m in enumerate(means) if np.array_equal(loaded.mean_, m)]
        return index

    for moment in ["temporary file present", "just renamed", 0.0, 0.25]:
        left = _kill_saver(path, moment)
        if moment == "temporary file present":
            for _ in range(4):  # under heavy load the rename may win the race with the kill: try again
                if left:
                    break
                left = _kill_saver(path, moment)
            assert left, "every kill came after the temporary file was renamed"  # mid-write, shown by its presence
            assert all(os.path.basename(p).startswith(".m.skl-lstm.") for p in left)
        assert which() in ((1, 2) if moment == "just renamed" else (0, 1, 2))
    removed = skl_lstm.persistence._atomic.remove_stale_temporary_files(path, older_than=0)
    assert removed and os.listdir(tmp_path) == ["m.skl-lstm"] and which() in (0, 1, 2)
