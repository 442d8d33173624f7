"""Rule 7: a volunteer works in their own region, within their distance limit of home.

A volunteer's own `max_distance_km` overrides the rules' `max_distance_km`;
equal to the limit is allowed; with no coordinates at either end there is no
distance to judge, so the limit does not apply.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scheduler.arrays import F64, I64, Mask
from scheduler.domain import Dataset, Facility, Volunteer
from scheduler.geo import distance_km, distances_km
from scheduler.rules.base import Rule


def distance_limits(dataset: Dataset) -> F64:
    """Per volunteer: their own distance limit, else the rules'."""
    return np.array(
        [
            dataset.rules.max_distance_km if v.max_distance_km is None else v.max_distance_km
            for v in dataset.volunteers
        ]
    )


def coordinates(places: Sequence[Volunteer] | Sequence[Facility]) -> tuple[F64, F64]:
    nan = float("nan")
    return (
        np.array([nan if p.lat is None else p.lat for p in places]),
        np.array([nan if p.lon is None else p.lon for p in places]),
    )


def pair_km(dataset: Dataset, volunteer: I64, facility: I64, limit: F64) -> F64:
    """Home to facility for each pair (NaN without coordinates), exact at the limit."""
    v_lat, v_lon = coordinates(dataset.volunteers)
    f_lat, f_lon = coordinates(dataset.facilities)
    km = distances_km(v_lat[volunteer], v_lon[volunteer], f_lat[facility], f_lon[facility])
    return exact_at_the_limit(
        km, limit[volunteer], volunteer, facility, (v_lat, v_lon, f_lat, f_lon)
    )


def exact_at_the_limit(
    km: F64, limit: F64, volunteer: I64, facility: I64, coordinates: tuple[F64, F64, F64, F64]
) -> F64:
    """Recompute distances within a hair of the limit with the scalar formula.

    Vectorised and scalar haversine may differ in the last bit; at exactly the
    limit ("equal is allowed") that bit decides, and the checker uses the scalar.
    """
    close = np.flatnonzero(np.abs(km - limit) <= 1e-9 * np.maximum(limit, 1.0))
    if len(close):
        v_lat, v_lon, f_lat, f_lon = coordinates
        km = km.copy()
        for i in close:
            v, f = volunteer[i], facility[i]
            km[i] = distance_km(v_lat[v], v_lon[v], f_lat[f], f_lon[f])
    return km


def near(km: F64, limit: F64) -> Mask:
    """Within the limit, or no distance to judge."""
    return np.isnan(km) | (km <= limit)


RULE = Rule("region and distance", 7, settings=("max_distance_km",))
