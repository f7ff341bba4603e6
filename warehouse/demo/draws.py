"""Vectorised random choices: one draw per case without a Python loop per case."""

from __future__ import annotations

import numpy as np


def choose(rng: np.random.Generator, weights: np.ndarray | list[float], count: int) -> np.ndarray:
    """`count` indices drawn with the given relative weights."""
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=count, p=w / w.sum())


def choose_by_group(rng: np.random.Generator, table: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each row, an option index drawn from the weights `table[group]` (groups x options).

    The groups' cumulative distributions are laid end to end on one axis (group g occupies [g, g+1)),
    so a single searchsorted places every row.
    """
    cumulative = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    cumulative[:, -1] = 1.0
    axis = (np.arange(table.shape[0])[:, None] + cumulative).ravel()
    position = np.searchsorted(axis, groups + rng.random(len(groups)), side="right")
    return np.minimum(position - groups * table.shape[1], table.shape[1] - 1)


def choose_in_blocks(
    rng: np.random.Generator, block_of_item: np.ndarray, weight: np.ndarray, blocks: np.ndarray
) -> np.ndarray:
    """For each row, an item of its block drawn with the items' weights (items sorted by block, blocks 0..B-1).

    Used for "an outlet of this case's city": blocks of different sizes, one searchsorted. Shares sum to 1
    per block, so their running total crosses b+1 exactly at the end of block b.
    """
    totals = np.bincount(block_of_item, weights=weight)
    axis = np.cumsum(weight / totals[block_of_item])
    last_item = np.flatnonzero(np.r_[block_of_item[1:] != block_of_item[:-1], True])
    axis[last_item] = np.arange(1, len(last_item) + 1)
    position = np.searchsorted(axis, blocks + rng.random(len(blocks)), side="right")
    return np.minimum(position, last_item[blocks])
