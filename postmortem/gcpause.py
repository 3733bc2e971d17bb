"""Batches of thousands of small objects: the cyclic garbage collector paused around them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Thousands of live documents make the cyclic GC the main cost of a batch; it has
    nothing to collect there, so pause it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
