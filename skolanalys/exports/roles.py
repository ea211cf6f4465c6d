"""Exports for a dashboard user: the rows their role may see, decided by the dashboard's own filter
(dashboards/data.py::restrict) so a download holds exactly what the page shows — never another school's row
for a rektor, no data-quality table for a role without the data-quality view."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyarrow as pa

from skolanalys.auth_settings import Access
from skolanalys.exports.selection import Selection
from skolanalys.exports.tables import spec

Restrict = Callable[[pd.DataFrame, Access], pd.DataFrame]
FILTER_COLUMNS = ("level", "unit_code", "school_unit_code")


def role_filter(restrict: Restrict, access: Access) -> Callable[[str, pa.Table], pa.Table]:
    """A row filter for read_selection that keeps the rows `restrict` keeps for `access`."""

    def apply(table: str, rows: pa.Table) -> pa.Table:
        if spec(table).data_quality and not access.data_quality:
            return rows.slice(0, 0)
        columns = [c for c in FILTER_COLUMNS if c in rows.column_names]
        frame = rows.select(columns).to_pandas() if columns else pd.DataFrame(index=range(rows.num_rows))
        frame["_row"] = range(rows.num_rows)
        kept = restrict(frame, access)["_row"].to_numpy()
        return rows.take(pa.array(kept, pa.int64()))

    return apply


def access_of(selection: Selection) -> Access:
    """The access a dashboard export was made with, from its stored selection (for --diff)."""
    units = frozenset(selection.units) if selection.units is not None else None
    return Access(user="", role=selection.role or "", units=units, data_quality=selection.data_quality)


def stored_role_filter(selection: Selection) -> Callable[[str, pa.Table], pa.Table]:
    """The row filter of a stored dashboard export, with the dashboard's filter (imports Streamlit)."""
    from dashboards.data import restrict

    return role_filter(restrict, access_of(selection))
