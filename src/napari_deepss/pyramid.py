"""Lazy multiscale images whose columns are time: the layout shared by the spectrogram and the waveform.

Level ``k`` has ``LEVEL_FACTOR**k`` times fewer columns than level 0, so
column ``i`` of level ``k`` stands for level-0 columns ``i*f .. i*f+f-1``
(``f = 4**k``), as napari draws pyramid levels. Every level is a dask array
cut into tiles of ``TILE_COLUMNS`` columns, each computed only when a viewer
draws it; a level is never pooled from the one below (that would compute the
whole recording for the first, zoomed-out view).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable

import numpy as np

LEVEL_FACTOR = 4
#: columns per lazy tile (each level); also the most columns of the coarsest level
TILE_COLUMNS = 4096


def pyramid_shape(n_columns: int, coarsest_columns: int = TILE_COLUMNS) -> tuple[int, int]:
    """``(n_levels, padded_columns)``: levels until the coarsest has at most ``coarsest_columns``.

    Level 0 is padded (with columns past the end) to a multiple of ``4**(n_levels-1)``
    so every level is exactly 4 times shorter than the one before.
    """
    n_levels = 1
    while math.ceil(n_columns / LEVEL_FACTOR ** (n_levels - 1)) > coarsest_columns:
        n_levels += 1
    top = LEVEL_FACTOR ** (n_levels - 1)
    return n_levels, math.ceil(n_columns / top) * top


def lazy_levels(n_rows: int, n_columns: int, compute: Callable[[int, int, int], np.ndarray], dtype, kind: str,
                coarsest_columns: int = TILE_COLUMNS) -> list:
    """Dask arrays ``[n_rows, columns]``, one per level; ``compute(level, start, stop)`` makes one tile's columns.

    Nothing is computed here. ``kind`` names the tiles; every call gets fresh
    names, so dask (and napari's dask cache) never mix two recordings' tiles.
    """
    import dask.array as da

    n_levels, padded = pyramid_shape(n_columns, coarsest_columns)
    token = uuid.uuid4().hex
    levels = []
    for level in range(n_levels):
        width = padded // LEVEL_FACTOR**level
        tiles = (TILE_COLUMNS,) * (width // TILE_COLUMNS) + ((width % TILE_COLUMNS,) if width % TILE_COLUMNS else ())

        def tile(level=level, width=width, block_id=None):
            # block_id, not block_info: dask builds block_info for every tile up front (seconds for an hour)
            start = block_id[1] * TILE_COLUMNS
            return compute(level, start, min(start + TILE_COLUMNS, width))

        levels.append(da.map_blocks(tile, chunks=((n_rows,), tiles), dtype=dtype, meta=np.empty((0, 0), dtype=dtype),
                                    name=f"deepss-{kind}-{token}-level{level}"))
    return levels
