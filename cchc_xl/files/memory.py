"""Giving freed memory back to the operating system between the stages of a big run.

Python keeps the memory of freed objects for reuse, and the C library keeps freed blocks
in its heaps: after the 50 000 rows of a master have been turned into the merge state and
dropped, the process still counts them.  ``release_free_memory`` asks the C library
(glibc ``malloc_trim``) to return what is free, so the next stage starts lower and the
peak of a Tổng hợp stays near what is really in use.  Elsewhere (Windows, macOS, musl)
it does nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import gc
import sys
from typing import Any, Iterator

_TRIM: Any = None


def _malloc_trim() -> Any:
    global _TRIM
    if _TRIM is None:
        _TRIM = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                _TRIM = libc.malloc_trim
                _TRIM.argtypes = [ctypes.c_size_t]
                _TRIM.restype = ctypes.c_int
            except (OSError, AttributeError):   # not glibc
                _TRIM = False
    return _TRIM


def release_free_memory() -> bool:
    """Return the C library's free memory to the system; ``True`` when it could be asked."""
    trim = _malloc_trim()
    if not trim:
        return False
    trim(0)
    return True


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection during a run: it would walk the millions of cell values
    read from hundreds of workbooks again and again (a third of the run time).  For code
    that makes no reference cycles that must be freed early; the previous state is restored."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def gc_frozen() -> Iterator[None]:
    """Objects that exist now are left out of cyclic garbage collection until the block ends
    (``gc.freeze``): writing 500 workbooks makes millions of short-lived objects, and every
    full collection would otherwise walk the 50 000 tasks read before, again and again.
    Garbage made inside the block is still collected."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


__all__ = ["gc_frozen", "gc_paused", "release_free_memory"]
