"""The generator's modelling assumptions: every number docs/generator.md explains.

Change a number here and its paragraph there together.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

H = 60  # minutes per hour, to write clock times readably
ROLES = ("doctor", "nurse", "paramedic", "senior_student", "junior_student", "orderly", "support")
SUPPLY_SHARE = np.array([0.09, 0.27, 0.06, 0.17, 0.22, 0.10, 0.09])  # volunteers by role
DEMAND_SHARE = np.array([0.12, 0.30, 0.05, 0.14, 0.18, 0.12, 0.09])  # places asked, by role
ROLE_POSTED = np.array([0.90, 1.00, 0.45, 0.85, 0.90, 0.85, 0.80])  # facilities asking a role
FEMALE = np.array([0.50, 0.88, 0.40, 0.65, 0.65, 0.45, 0.60])
SHORTAGE = 1.14  # demand / nominal weekly capacity, as in the lab's national instance
MAX_DISTANCE_KM = 30
BOX = (46.0, 59.0, 32.0, 58.0)  # lat min, lat max, lon min, lon max: a country-sized area
KM_PER_DEGREE = 111.2
FIRST_MONDAY = dt.date(2020, 3, 30)  # the seed picks one of the 13 Mondays from here
MAX_COUNT = 5
FILL = 0.58  # share of a facility's possible (day, shift, role) slots it typically posts
ANCHORED = 0.78  # volunteers living near a facility of their region; the rest anywhere in it

# Shifts: (pattern, start minute, end minute, kind); kind 0 day, 1 evening, 2 night.
SHIFTS = np.array(
    [
        (0, 7 * H, 15 * H, 0),
        (0, 15 * H, 23 * H, 1),
        (0, 23 * H, 7 * H, 2),
        (1, 8 * H, 16 * H, 0),
        (1, 16 * H, 24 * H, 1),
        (1, 0, 8 * H, 2),
        (2, 8 * H, 20 * H, 0),
        (2, 20 * H, 8 * H, 2),
    ]
)
PATTERN_SHARE = np.array([0.35, 0.30, 0.35])  # 8 h from 07:00, 8 h from 08:00, 12 h
ROLE_KIND = np.array(
    [  # staffing of evening and night relative to day, rows follow ROLES
        [1.0, 0.6, 0.5],
        [1.0, 0.85, 0.7],
        [1.0, 0.9, 0.8],
        [1.0, 0.8, 0.5],
        [1.0, 0.8, 0.4],
        [1.0, 0.8, 0.6],
        [1.0, 0.6, 0.3],
    ]
)
WEEKEND_FACTOR = 0.85
CRITICAL = np.array([0.35, 0.30, 0.35, 0.22, 0.18, 0.20, 0.12])  # P(priority 1) by role
LOW = np.array([0.15, 0.15, 0.15, 0.15, 0.22, 0.25, 0.35])  # P(priority 3) by role

# Availability profiles: 0 any time (no rows), 1 student, 2 working, 3 daytime, 4 dated only.
PROFILE_BY_ROLE = np.array(
    [
        [0.18, 0.0, 0.62, 0.15, 0.05],
        [0.18, 0.0, 0.62, 0.15, 0.05],
        [0.22, 0.0, 0.63, 0.10, 0.05],
        [0.12, 0.83, 0.0, 0.0, 0.05],
        [0.12, 0.83, 0.0, 0.0, 0.05],
        [0.22, 0.0, 0.33, 0.40, 0.05],
        [0.25, 0.0, 0.25, 0.45, 0.05],
    ]
)
SHIFT_LIMITS = np.array([1, 2, 3, 4, 5, 6])
SHIFT_LIMIT_P = np.array(
    [  # max_shifts_per_week by profile
        [0.03, 0.22, 0.35, 0.28, 0.10, 0.02],
        [0.02, 0.25, 0.35, 0.25, 0.10, 0.03],
        [0.10, 0.38, 0.35, 0.15, 0.02, 0.00],
        [0.03, 0.25, 0.37, 0.25, 0.10, 0.00],
        [0.15, 0.45, 0.30, 0.10, 0.00, 0.00],
    ]
)
# Window variants per kind, (start, end) minutes; end <= start crosses midnight, 0-0 is 24 h.
WINDOWS = (
    (
        (15 * H, 24 * H),
        (16 * H, 24 * H),
        (14 * H, 23 * H),
        (17 * H, 24 * H),
        (18 * H, 24 * H),
        (16 * H, 1 * H),
    ),  # 0 weekday evening
    ((20 * H, 8 * H), (22 * H, 8 * H), (23 * H, 7 * H), (19 * H, 9 * H), (20 * H, 7 * H)),  # night
    ((8 * H, 20 * H), (7 * H, 23 * H), (9 * H, 21 * H), (0, 0), (10 * H, 18 * H)),  # weekend day
    ((0, 0), (8 * H, 20 * H), (7 * H, 24 * H), (8 * H, 8 * H)),  # 3 long day, 24 h windows
    ((7 * H, 15 * H), (8 * H, 16 * H), (8 * H, 20 * H), (9 * H, 17 * H), (7 * H, 19 * H)),  # day
)
# Weekly templates: (profile, weekday, window kind, probability).
TEMPLATES = np.array(
    [(1, d, 0, 0.40) for d in range(5)]
    + [(1, 5, 2, 0.60), (1, 6, 2, 0.55), (1, 4, 1, 0.12), (1, 5, 1, 0.10)]
    + [(2, d, 0, 0.25) for d in range(5)]
    + [(2, d, 1, 0.08) for d in range(4)]
    + [(2, 4, 1, 0.20), (2, 5, 3, 0.45), (2, 6, 3, 0.40)]
    + [(3, d, 4, 0.60) for d in range(5)]
    + [(3, 5, 4, 0.12)]
)
REGIONS_PER_COUNTRY = 40  # the national sample's region count
