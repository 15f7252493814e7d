"""Cache backends with the two properties the portal needs and Django's lack.

- `BoundedLocMemCache`: Django's local-memory cache bounds the number of entries only, so a
  flood of distinct large pages grows a process without limit. This one also bounds the bytes
  held (the pickled values): the least recently used entries go first, and an entry larger than
  a fraction of the whole is simply not stored.
- `ResilientRedisCache`: Django's Redis cache raises when Redis is down, so every page would
  answer 500. This one treats an unreachable Redis as an empty cache (pages are served uncached)
  and skips Redis for a few seconds before trying again; `/healthz` calls `ping()`, which does
  raise, to say that the cache is down.
"""

import logging
import time
from threading import Lock

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Bytes held per cache name, shared like LocMemCache's own store (one instance per thread).
_sizes = {}
_sizes_lock = Lock()


class BoundedLocMemCache(LocMemCache):
    """LocMemCache holding at most OPTIONS["MAX_BYTES"] bytes of pickled values."""

    def __init__(self, name, params):
        super().__init__(name, params)
        options = params.get("OPTIONS") or {}
        self.max_bytes = int(options.get("MAX_BYTES", 64 * 2**20))
        # One page may not take more than an eighth of the whole: a single huge response must not
        # push out everything else.
        self.max_entry_bytes = max(1, self.max_bytes // 8)
        with _sizes_lock:
            self._sizes = _sizes.setdefault(name, {})

    @property
    def bytes_held(self):
        return sum(self._sizes.values())

    def _set(self, key, value, timeout=DEFAULT_TIMEOUT):
        # Called with self._lock held, `value` already pickled.
        self._delete(key)
        if len(value) > self.max_entry_bytes:
            return
        total = sum(self._sizes.values()) + len(value)
        while self._cache and total > self.max_bytes:
            old, _ = self._cache.popitem()  # the least recently used (LocMemCache keeps it last)
            self._expire_info.pop(old, None)
            total -= self._sizes.pop(old, 0)
        super()._set(key, value, timeout)
        self._sizes[key] = len(value)

    def _cull(self):
        super()._cull()
        for key in [key for key in self._sizes if key not in self._cache]:
            del self._sizes[key]

    def _delete(self, key):
        self._sizes.pop(key, None)
        return super()._delete(key)

    def incr(self, key, delta=1, version=None):
        value = super().incr(key, delta, version)
        with self._lock:
            made = self.make_and_validate_key(key, version=version)
            if made in self._cache:
                self._sizes[made] = len(self._cache[made])
        return value

    def clear(self):
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()


_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
RETRY_SECONDS = 5.0


class ResilientRedisCache(RedisCache):
    """RedisCache that answers "not cached" while Redis cannot be reached."""

    _down_until = 0.0  # per process: after a failure, Redis is not asked again for RETRY_SECONDS

    def ping(self):
        """Raise if Redis does not answer (for the health check); never skipped."""
        self._cache.get_client(write=True).ping()
        type(self)._down_until = 0.0

    def _guarded(self, operation, fallback, *args, **kwargs):
        if time.monotonic() < type(self)._down_until:
            return fallback
        try:
            return operation(*args, **kwargs)
        except _UNAVAILABLE as error:
            type(self)._down_until = time.monotonic() + RETRY_SECONDS
            logger.warning("cache unavailable, serving uncached for %.0f s: %s", RETRY_SECONDS, error)
            return fallback

    def get(self, key, default=None, version=None):
        return self._guarded(super().get, default, key, default, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().add, False, key, value, timeout, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set, None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().touch, False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(super().delete, False, key, version)

    def get_many(self, keys, version=None):
        return self._guarded(super().get_many, {}, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(super().has_key, False, key, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(super().set_many, list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(super().delete_many, None, keys, version)

    def clear(self):
        return self._guarded(super().clear, False)
