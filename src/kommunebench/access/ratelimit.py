"""Failed log-ins back off exponentially, per token id and per client address.

After :data:`FREE` failed attempts with one key (a token id, or a client address), each further
failure blocks that key for twice as long as the last (1 s, 2 s, 4 s … at most :data:`CAP`);
while a key is blocked every attempt with it is refused at once — before any scrypt work — with
:class:`~kommunebench.errors.RateLimitedError` (HTTP 429 with ``Retry-After``). A success clears
the token id's count. State is per process and bounded (:data:`MAX_KEYS`, oldest dropped).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from kommunebench.errors import RateLimitedError

__all__ = ["FREE", "CAP", "MAX_KEYS", "Limiter", "LIMITER"]

FREE = 5
CAP = 300.0
MAX_KEYS = 100_000


class Limiter:
    def __init__(self, *, free: int = FREE, cap: float = CAP, clock: Callable[[], float] = time.monotonic) -> None:
        self.free, self.cap, self.clock = free, cap, clock
        self._state: OrderedDict[str, tuple[int, float]] = OrderedDict()  # key → (failures, blocked until)
        self._lock = threading.Lock()

    def check(self, keys: Iterable[str]) -> None:
        """Raise RateLimitedError while any of ``keys`` is blocked."""
        now = self.clock()
        with self._lock:
            until = max((self._state.get(k, (0, 0.0))[1] for k in keys), default=0.0)
        if until > now:
            wait = max(1, math.ceil(until - now))
            raise RateLimitedError(f"for mange forkerte adgangsnøgler; prøv igen om {wait} s", retry_after=wait)

    def failed(self, keys: Iterable[str]) -> None:
        now = self.clock()
        with self._lock:
            for k in keys:
                n = self._state.pop(k, (0, 0.0))[0] + 1
                until = now + min(self.cap, 2.0 ** (n - self.free - 1)) if n > self.free else 0.0
                self._state[k] = (n, until)
            while len(self._state) > MAX_KEYS:
                self._state.popitem(last=False)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)


LIMITER = Limiter()
