"""Integer keys for whole columns: combinations of values and dates as numbers numpy can sort and search.

Grouping facts by (metric, claimant, stage) and walking dates within each group is done on one
int64 key per fact, so that a sort and a `searchsorted` replace a loop over groups.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def combined_codes(*columns: pd.Series | np.ndarray) -> np.ndarray:
    """One int64 per row, equal for rows whose values are equal in every column (NaN, None and NaT
    are values too). Cheaper than factorizing a MultiIndex, which builds a tuple per row."""
    combined = np.zeros(len(columns[0]) if len(columns) else 0, dtype=np.int64)
    for column in columns:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        combined = pd.factorize(combined * (len(uniques) + 1) + codes)[0].astype(np.int64)
    return combined


def day_numbers(column: pd.Series) -> np.ndarray:
    """Dates as whole days since 1970 (int64); NaT becomes the smallest int64, so it sorts first."""
    return np.asarray(column.to_numpy(dtype="datetime64[D]")).astype(np.int64)
