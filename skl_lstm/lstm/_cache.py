"""The one cache style of the LSTM subpackage: a bounded, thread-safe LRU map.

Compiled TensorFlow functions are expensive to trace (a fraction of a second
each) and cheap to keep, so the training loop (:mod:`._loop`) and inference
(:mod:`._inference`) each own one :class:`LRUCache` of them, keyed by what the
compiled function bakes in. State that belongs to one fitted network (its
inference plan, its recurrent part) is owned by the estimator, not cached here.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Hashable
from typing import Any


class LRUCache:
    """A map of at most ``maxsize`` entries that forgets the least recently used.

    Parameters
    ----------
    maxsize : int
        Entries kept; 0 keeps none (every lookup builds anew).

    Examples
    --------
    >>> cache = LRUCache(maxsize=1)
    >>> cache.get_or_create("a", lambda: 1), cache.get_or_create("b", lambda: 2), len(cache)
    (1, 2, 1)
    """

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get_or_create(self, key: Hashable, create: Callable[[], Any]) -> Any:
        """The entry for ``key``, built with ``create()`` (outside the lock) when missing."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = create()
        if self.maxsize <= 0:
            return value
        with self._lock:
            value = self._entries.setdefault(key, value)  # another thread may have built it first
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def values(self) -> list:
        """The entries, least recently used first."""
        with self._lock:
            return list(self._entries.values())

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
