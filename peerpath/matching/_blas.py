"""Temporarily limit OpenBLAS to one thread while the engine runs its own worker threads.

The engine scores band blocks chunk by chunk in a small thread pool (NumPy releases the
GIL in GEMMs, element-wise ufuncs and ``argpartition``). Multi-threaded OpenBLAS inside
each worker would oversubscribe the cores, and OpenBLAS' spinning threads degrade badly
when the machine is busy, so while the pool runs BLAS is set to one thread per call.

This is a minimal stand-in for ``threadpoolctl``: it looks the OpenBLAS shared library up
among the process' mapped files and calls its ``*_set_num_threads`` entry point. When
that is impossible (other BLAS, other OS) it silently does nothing. Nested/concurrent
users are reference-counted under a lock so the original setting is restored by the last
one out.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache

__all__ = ["single_threaded_blas"]

_SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
_GETTERS = (
    "scipy_openblas_get_num_threads64_",
    "scipy_openblas_get_num_threads",
    "openblas_get_num_threads64_",
    "openblas_get_num_threads",
)

_lock = threading.Lock()
_users = 0
_saved: int | None = None


@lru_cache(maxsize=1)
def _openblas() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    try:
        import numpy  # noqa: F401  (make sure NumPy's BLAS is loaded)

        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            paths = sorted(
                {line.split()[-1] for line in fh if "openblas" in line.lower() and "/" in line}
            )
        for path in paths:
            lib = ctypes.CDLL(path)
            setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
            getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
            if setter is not None and getter is not None:
                setter.argtypes = [ctypes.c_int]
                setter.restype = None
                getter.argtypes = []
                getter.restype = ctypes.c_int
                return setter, getter
    except (OSError, AttributeError, IndexError):
        return None
    return None


@contextmanager
def single_threaded_blas() -> Iterator[bool]:
    """Run the body with OpenBLAS limited to 1 thread; yields whether that was possible."""
    global _users, _saved
    api = _openblas()
    if api is None:
        yield False
        return
    setter, getter = api
    with _lock:
        if _users == 0:
            _saved = int(getter())
            setter(1)
        _users += 1
    try:
        yield True
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _saved is not None:
                setter(_saved)
                _saved = None
