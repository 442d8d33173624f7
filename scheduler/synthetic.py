"""Seeded synthetic datasets shaped like the national campaign, at any scale.

The solver, the validator, the benchmarks and the web app all need realistic
inputs that anyone can regenerate bit for bit, without real personal data.
Every number below is a modelling assumption; docs/generator.md explains each
one, so change both together. Pure and vectorised: no I/O, no Python loop over
needs or availability, and the same `GeneratorSpec` always gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
WEEKDAY_NAMES = np.array(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], dtype=object)
CLOCK = np.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(24 * H + 1)], dtype=object)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TOWN_ROOTS = _words(
    "Belo Krasno Novo Zare Lesno Svetlo Yasno Dubro Ozero Sosno Bereze Kamen Zlato "
    "Volgo Sever Yuzhno Gorno Tikho Bystro Chisto Serebryano Zeleno Ryabino Lipo "
    "Kedro Medno Sokolo Orlo Lugo Staro"
)
TOWN_ENDS = _words("gorsk dolsk borsk ozersk yarsk rechensk polye grad slavl vodsk")
STREETS = _words(
    "Lenina Mira Sadovaya Sovetskaya Gagarina Pushkina Lesnaya Shkolnaya Kirova "
    "Tsentralnaya Molodyozhnaya Naberezhnaya Pervomayskaya Oktyabrskaya Chekhova "
    "Lermontova Zelyonaya Polevaya Rabochaya Vokzalnaya Gorkogo Komsomolskaya "
    "Parkovaya Solnechnaya Bolnichnaya"
)
FACILITY_KINDS = (  # by size class small / medium / large: numbered kinds, then unique ones
    ("{town} Polyclinic No.", "{town} Maternity Hospital No.", "{town} Central District Hospital"),
    (
        "{town} City Hospital No.",
        "{town} Children's City Hospital No.",
        "{town} Regional Infectious Diseases Hospital",
        "{town} War Veterans' Hospital",
    ),
    (
        "{town} City Clinical Hospital No.",
        "{town} Emergency Hospital No.",
        "{town} Regional Clinical Hospital",
        "Temporary Hospital at {town} Expo Centre",
    ),
)
MALE = _words(
    "Alexander Alexey Andrey Anton Artyom Boris Denis Dmitry Egor Evgeny Fyodor Gleb "
    "Igor Ilya Ivan Kirill Konstantin Leonid Maxim Mikhail Nikita Nikolai Oleg Pavel "
    "Roman Ruslan Sergey Timur Vadim Viktor Vladimir Yaroslav Yuri Arman Farid David "
    "Mark Daniel Rustam"
)
FEMALE_NAMES = _words(
    "Alina Alla Anastasia Anna Daria Ekaterina Elena Elizaveta Galina Irina "
    "Kristina Ksenia Larisa Lyudmila Maria Marina Natalia Nadezhda Olga Polina "
    "Sofia Svetlana Tatiana Ulyana Valentina Valeria Vera Victoria Yana Yulia "
    "Zarina Amina Aigul Leila"
)
SURNAMES = _words(
    "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov "
    "Fedorov Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Orlov "
    "Andreev Makarov Nikitin Zakharov Zaitsev Solovyov Borisov Yakovlev Grigoriev "
    "Romanov Sergeev Kuzmin Frolov Dmitriev Korolev Gusev Kiselev Ilyin Sorokin "
    "Vinogradov Kovalev Belov Medvedev Antonov Tarasov Zhukov Baranov Filippov "
    "Komarov Davydov Gerasimov Bogdanov Osipov Sidorov Matveev Titov Markov Mironov "
    "Krylov Kulikov Karpov Vlasov Melnikov Denisov Tikhonov Kazakov Danilov Fomin "
    "Chernov Abramov Efimov Aliev Khasanov Gareev Kim Tsoi Shevchenko Bondarenko "
    "Kovalenko Kravchenko Melnik Goldberg Petrosyan Kalinin Dobrovolsky Zhelezny"
)
SURNAMES_F = tuple(
    re.sub(r"(sk|n)y$", r"\1aya", re.sub(r"(ov|ev|in|yn)$", r"\1a", name)) for name in SURNAMES
)  # Ivanova, Dobrovolskaya; Kim, Shevchenko unchanged
# A few names in Cyrillic: male/female/surname/their transliterations, for ASCII e-mails.
CYRILLIC = tuple(
    w.split("/")
    for w in _words(
        "Иван/Ольга/Иванов/ivan/olga/ivanov Сергей/Елена/Смирнов/sergey/elena/smirnov "
        "Андрей/Татьяна/Кузнецов/andrey/tatiana/kuznetsov "
        "Дмитрий/Наталья/Соколов/dmitry/natalia/sokolov "
        "Алексей/Анна/Лебедев/alexey/anna/lebedev Михаил/Мария/Козлов/mikhail/maria/kozlov "
        "Павел/Ирина/Новиков/pavel/irina/novikov Николай/Светлана/Морозов/nikolai/svetlana/morozov"
    )
)


@dataclass(frozen=True)
class GeneratorSpec:
    """What to generate; the seed fixes everything else."""

    volunteers: int
    facilities: int
    days: int = 7
    regions: int | None = None
    seed: int = 0
    start: dt.date | None = None

    def __post_init__(self) -> None:
        for name in ("volunteers", "facilities", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.regions is not None and self.regions < 1:
            raise ValueError(f"regions must be at least 1, got {self.regions}")

    @property
    def region_count(self) -> int:
        """Every region holds a facility, so never more regions than facilities."""
        wanted = self.regions if self.regions is not None else round(self.facilities / 4)
        return max(1, min(wanted, self.facilities))

    @property
    def first_day(self) -> dt.date:
        """A Monday fixed by the seed, so a 7-day horizon is exactly one ISO week."""
        if self.start is not None:
            return self.start
        return FIRST_MONDAY + dt.timedelta(weeks=self.seed % 13)


@dataclass(frozen=True)
class World:
    """Regions, facilities and volunteers as arrays, before they become tables."""

    region_name: np.ndarray
    region_lat: np.ndarray
    region_lon: np.ndarray
    spread_km: np.ndarray
    fac_region: np.ndarray
    fac_size: np.ndarray
    fac_lat: np.ndarray
    fac_lon: np.ndarray
    vol_region: np.ndarray
    vol_role: np.ndarray
    vol_profile: np.ndarray
    vol_anchor: np.ndarray  # the facility a volunteer lives near, -1 for none
    town_pool: np.ndarray  # smaller towns, for facilities outside the regional capital


def generate(spec: GeneratorSpec) -> dict[str, pd.DataFrame]:
    """The sheets facilities, volunteers, availability, needs and rules for `spec`."""
    seeds = np.random.SeedSequence([abs(spec.seed), int(spec.seed < 0)]).spawn(5)
    rngs = [np.random.default_rng(s) for s in seeds]  # one stream per sheet: stable parts
    world = _world(rngs[0], spec)
    volunteers = _volunteer_table(rngs[1], world)
    capacity = weekly_capacity(volunteers) * spec.days / 7
    return {
        "facilities": _facility_table(rngs[2], world),
        "volunteers": volunteers,
        "availability": _availability(rngs[3], world, volunteers["volunteer_id"], spec),
        "needs": _needs(rngs[4], world, capacity, spec),
        "rules": pd.DataFrame({"rule": ["max_distance_km"], "value": [MAX_DISTANCE_KM]}),
    }


def weekly_capacity(volunteers: pd.DataFrame) -> np.ndarray:
    """Shifts each volunteer may work a week: the shift limit, or fewer 8 h shifts by hours."""
    shifts = volunteers["max_shifts_per_week"].astype("Float64").fillna(3).to_numpy(float)
    hours = volunteers["max_hours_per_week"].astype("Float64").to_numpy(float, na_value=np.nan)
    return np.minimum(shifts, np.where(np.isnan(hours), np.inf, np.floor(hours / 8)))


def allocate(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split `total` into integers proportional to `weights`, each at least `minimum`."""
    n = len(weights)
    base = np.full(n, minimum if total >= minimum * n else 0)
    rest = total - int(base.sum())
    share = weights / weights.sum() * rest
    whole = np.floor(share).astype(int)
    order = np.argsort(-(share - whole), kind="stable")
    whole[order[: rest - int(whole.sum())]] += 1
    return base + whole


# --- geography ---------------------------------------------------------------------------


REGIONS_PER_COUNTRY = 40  # the national sample's region count


def _world(rng: np.random.Generator, spec: GeneratorSpec) -> World:
    """Zipf-sized regions, facilities around each centre, volunteers near facilities.

    Sizes follow Zipf's law by rank within each block of `REGIONS_PER_COUNTRY`
    regions: a country ten times larger has ten times as many regions of the
    same kinds, not one metropolis ten times the size (which would make its
    hospitals' catchment, and the model, grow with the square of the scale).
    """
    n = spec.region_count
    rank = np.arange(n) % REGIONS_PER_COUNTRY + 1
    weight = rank**-1.0 * rng.lognormal(0.0, 0.3, n)  # a few big metropolitan regions
    lat, lon = rng.uniform(BOX[0], BOX[1], n), rng.uniform(BOX[2], BOX[3], n)
    block = max(min(n, REGIONS_PER_COUNTRY), 2)
    spread = 8.0 + 17.0 * np.log(rank) / np.log(block)  # compact cities, sprawling provinces
    fac_region = np.repeat(np.arange(n), allocate(spec.facilities, weight, minimum=1))
    fac_size = np.clip(rng.lognormal(0.0, 0.6, spec.facilities), 0.3, 3.0)
    fac_lat, fac_lon = _scatter(rng, lat[fac_region], lon[fac_region], spread[fac_region])
    vol_weight = weight * rng.lognormal(0.0, 0.2, n)  # supply per demand differs by region
    minimum = 1 if spec.volunteers >= 2 * n else 0
    vol_region = rng.permutation(
        np.repeat(np.arange(n), allocate(spec.volunteers, vol_weight, minimum))
    )
    role = rng.choice(len(ROLES), spec.volunteers, p=SUPPLY_SHARE)
    profile = _draw_rows(rng, PROFILE_BY_ROLE[role])
    anchor = _pick_facility(rng, vol_region, fac_region, fac_size)
    anchor = np.where(rng.random(spec.volunteers) < ANCHORED, anchor, -1)
    towns = _town_names(rng, n + 100)
    return World(
        towns[:n],
        lat,
        lon,
        spread,
        fac_region,
        fac_size,
        fac_lat,
        fac_lon,
        vol_region,
        role,
        profile,
        anchor,
        towns[n:],
    )


def _draw_rows(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix (rows sum to 1)."""
    cum = np.cumsum(p, axis=1)
    return np.minimum((rng.random((len(p), 1)) > cum).sum(axis=1), p.shape[1] - 1)


def _scatter(
    rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, sigma_km: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Points normally scattered around centres, `sigma_km` per axis."""
    north = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    east = rng.normal(0.0, 1.0, len(lat)) * sigma_km
    return lat + north / KM_PER_DEGREE, lon + east / (KM_PER_DEGREE * np.cos(np.radians(lat)))


def _pick_facility(
    rng: np.random.Generator, region: np.ndarray, fac_region: np.ndarray, fac_weight: np.ndarray
) -> np.ndarray:
    """A facility of each given region, drawn in proportion to `fac_weight`."""
    totals = np.bincount(fac_region, weights=fac_weight)
    before = np.concatenate([[0.0], np.cumsum(totals)])[fac_region]
    keys = fac_region + (np.cumsum(fac_weight) - before) / totals[fac_region]  # in (r, r + 1]
    pick = np.searchsorted(keys, region + rng.random(len(region)), side="right")
    return np.minimum(pick, len(fac_weight) - 1)


def _town_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` distinct invented town names; each region is named after its capital."""
    names = np.array([r + e for r in TOWN_ROOTS for e in TOWN_ENDS], dtype=object)
    names = names[rng.permutation(len(names))]
    laps = -(-n // len(names))
    return np.concatenate([names if k == 0 else names + f"-{k + 1}" for k in range(laps)])[:n]


# --- facilities and volunteers -------------------------------------------------------------


def _facility_table(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Facilities named by size class after their town, with a street address."""
    n = len(world.fac_region)
    other = world.town_pool[rng.integers(0, len(world.town_pool), n)]
    town = np.where(rng.random(n) < 0.8, world.region_name[world.fac_region], other)
    names = _facility_names(rng, world.fac_region, world.fac_size, town)
    house = rng.integers(1, 160, n)
    street = np.array(STREETS, dtype=object)[rng.integers(0, len(STREETS), n)]
    return pd.DataFrame(
        {
            "facility_id": ids("F", n, 3),
            "name": names,
            "region": world.region_name[world.fac_region] + " Region",
            "lat": np.round(world.fac_lat, 5),
            "lon": np.round(world.fac_lon, 5),
            "address": [f"{h} {s} St., {t}" for h, s, t in zip(house, street, town, strict=True)],
        }
    )


def _facility_names(
    rng: np.random.Generator, region: np.ndarray, size: np.ndarray, town: np.ndarray
) -> np.ndarray:
    """A kind by size; unique kinds once per region; numbers only where a town has several."""
    size_class = np.digitize(size, [0.7, 1.6])
    choice = rng.integers(0, 4, len(size)) % np.array([len(k) for k in FACILITY_KINDS])[size_class]
    frame = pd.DataFrame({"region": region, "town": town, "cls": size_class, "kind": choice})
    numbered = np.array(
        [[k.endswith("No.") for k in kinds] + [True] * (4 - len(kinds)) for kinds in FACILITY_KINDS]
    )
    repeat = frame.groupby(["region", "cls", "kind"]).cumcount().to_numpy() > 0
    frame.loc[repeat & ~numbered[size_class, choice], "kind"] = 0  # a second one: the default
    group = frame.groupby(["region", "town", "cls", "kind"])
    number, many = group.cumcount().to_numpy() + 1, group["kind"].transform("size").to_numpy() > 1
    names = []
    for t, c, k, i, m in zip(town, size_class, frame["kind"], number, many, strict=True):
        name = FACILITY_KINDS[c][k].format(town=t)
        names.append(name.removesuffix(" No.") + (f" No. {i}" if m else ""))
    return np.array(names, dtype=object)


def _volunteer_table(rng: np.random.Generator, world: World) -> pd.DataFrame:
    """Volunteers with homes, limits, preferences and contact details for some."""
    n = len(world.vol_region)
    lat, lon = _homes(rng, world)
    names, emails = _person_names(rng, world.vol_role)
    shifts = pd.array(
        SHIFT_LIMITS[_draw_rows(rng, SHIFT_LIMIT_P[world.vol_profile])], dtype="Int64"
    )
    shifts[(shifts == 3).to_numpy(bool) & (rng.random(n) < 0.3)] = pd.NA  # blank means 3
    hour_p = np.where(world.vol_profile == 2, 0.30, 0.15)
    hours = _sometimes(rng, hour_p, np.array([16, 20, 24, 30, 36, 40, 48]))
    distance = _sometimes(rng, np.full(n, 0.05), np.array([10, 15, 20, 25, 40, 50]))
    digits = rng.integers(0, [100, 1000, 100, 100], (n, 4))
    phone = [f"+7 9{a:02d} {b:03d}-{c:02d}-{d:02d}" for a, b, c, d in digits]
    return pd.DataFrame(
        {
            "volunteer_id": ids("V", n, 5),
            "name": names,
            "role": np.array(ROLES, dtype=object)[world.vol_role],
            "region": world.region_name[world.vol_region] + " Region",
            "lat": lat,
            "lon": lon,
            "max_shifts_per_week": shifts,
            "max_hours_per_week": hours,
            "max_distance_km": distance,
            "preferred_facilities": _preferences(rng, world),
            "email": np.where(rng.random(n) < 0.65, emails, None),
            "phone": np.where(rng.random(n) < 0.55, np.array(phone, dtype=object), None),
        }
    )


def _homes(rng: np.random.Generator, world: World) -> tuple[np.ndarray, np.ndarray]:
    """Homes near the anchor facility (6 km per axis) or anywhere in a wide region circle."""
    anchored = world.vol_anchor >= 0
    a = np.maximum(world.vol_anchor, 0)
    r = world.vol_region
    lat0 = np.where(anchored, world.fac_lat[a], world.region_lat[r])
    lon0 = np.where(anchored, world.fac_lon[a], world.region_lon[r])
    sigma = np.where(anchored, 6.0, 1.6 * world.spread_km[r] + 8.0)
    lat, lon = _scatter(rng, lat0, lon0, sigma)
    unknown = rng.random(len(r)) < 0.02  # a few gave no address
    return np.round(np.where(unknown, np.nan, lat), 4), np.round(np.where(unknown, np.nan, lon), 4)


def _sometimes(rng: np.random.Generator, p: np.ndarray, values: np.ndarray) -> pd.array:
    """A value drawn from `values` with probability `p` per row, else blank."""
    drawn = pd.array(values[rng.integers(0, len(values), len(p))], dtype="Int64")
    drawn[rng.random(len(p)) >= p] = pd.NA
    return drawn


def _person_names(rng: np.random.Generator, role: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Full names (about 5 % in Cyrillic) and matching ASCII e-mail addresses."""
    n = len(role)
    female = rng.random(n) < FEMALE[role]
    women = np.array(FEMALE_NAMES, dtype=object)[rng.integers(0, len(FEMALE_NAMES), n)]
    first = np.where(female, women, np.array(MALE, dtype=object)[rng.integers(0, len(MALE), n)])
    k = rng.integers(0, len(SURNAMES), n)
    last = np.where(
        female, np.array(SURNAMES_F, dtype=object)[k], np.array(SURNAMES, dtype=object)[k]
    )
    cyr = np.array(CYRILLIC, dtype=object)
    i, j = rng.integers(0, len(CYRILLIC), n), rng.integers(0, len(CYRILLIC), n)
    cyrillic = rng.random(n) < 0.05
    ending = np.where(female, "а", "")  # Cyrillic a
    latin_first = np.where(cyrillic, np.where(female, cyr[i, 4], cyr[i, 3]), first)
    latin_last = np.where(cyrillic, cyr[j, 5] + np.where(female, "a", ""), last)
    first = np.where(cyrillic, np.where(female, cyr[i, 1], cyr[i, 0]), first)
    last = np.where(cyrillic, cyr[j, 2] + ending, last)
    digits = rng.integers(1, 100, n)
    emails = [
        f"{f}.{s}{d}@example.org".lower()
        for f, s, d in zip(latin_first, latin_last, digits, strict=True)
    ]
    return first + " " + last, np.array(emails, dtype=object)


def _preferences(rng: np.random.Generator, world: World) -> np.ndarray:
    """For 15 %: the facility near home (or one of the region), for some a second one."""
    n = len(world.vol_region)
    ones = np.ones(len(world.fac_region))
    first = np.where(
        world.vol_anchor >= 0,
        world.vol_anchor,
        _pick_facility(rng, world.vol_region, world.fac_region, ones),
    )
    second = _pick_facility(rng, world.vol_region, world.fac_region, ones)
    fid = ids("F", len(world.fac_region), 3)
    both = fid[first] + ";" + fid[second]
    text = np.where((rng.random(n) < 0.3) & (second != first), both, fid[first])
    return np.where(rng.random(n) < 0.15, text, None)


def ids(prefix: str, n: int, digits: int) -> np.ndarray:
    """F001, V00001, ...: zero-padded, wide enough for `n`, so they sort as text."""
    width = max(digits, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


# --- availability -------------------------------------------------------------------------


def _availability(
    rng: np.random.Generator, world: World, volunteer_id: pd.Series, spec: GeneratorSpec
) -> pd.DataFrame:
    """Weekly habits by profile, dated offers, and dated `no` windows for exams and leave."""
    days = spec.days
    parts = [
        _weekly(rng, world),
        _dated_only(rng, world, days),
        _dated_extra(rng, world, days),
        _exams(rng, world, days),
        _leave(rng, world, days),
    ]
    vol, weekday, offset, start, end, yes = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((start, np.where(weekday >= 0, weekday, 7 + offset), vol))
    vol, weekday, offset = vol[order], weekday[order], offset[order]
    dates = (np.datetime64(spec.first_day, "D") + offset).astype(object)
    return pd.DataFrame(
        {
            "volunteer_id": volunteer_id.to_numpy()[vol],
            "day": np.where(weekday >= 0, WEEKDAY_NAMES[np.maximum(weekday, 0)], dates),
            "start": CLOCK[start[order]],
            "end": CLOCK[end[order]],
            "available": np.where(yes[order], "yes", "no").astype(object),
        }
    )


Rows = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _rows(
    vol: np.ndarray,
    weekday: np.ndarray | int,
    offset: np.ndarray | int,
    window: tuple[np.ndarray, np.ndarray],
    yes: bool,
) -> Rows:
    """Availability rows as parallel arrays: volunteer, weekday (-1 dated), day offset, times."""
    n = len(vol)
    return (
        vol,
        np.broadcast_to(weekday, n).astype(int),
        np.broadcast_to(offset, n).astype(int),
        np.broadcast_to(window[0], n).astype(int),
        np.broadcast_to(window[1], n).astype(int),
        np.full(n, yes),
    )


def _window(kind: np.ndarray | int, variant: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end minutes of window `variant` (taken modulo the kind's choices)."""
    table = [np.array(w) for w in WINDOWS]
    kind = np.broadcast_to(kind, len(variant))
    start, end = np.zeros(len(variant), int), np.zeros(len(variant), int)
    for k, w in enumerate(table):
        here = kind == k
        start[here], end[here] = w[variant[here] % len(w)].T
    return start, end


def _weekly(rng: np.random.Generator, world: World) -> Rows:
    """Weekly rows from the profile's templates; every such volunteer gets at least one."""
    profile, weekday, kind, prob = TEMPLATES.T
    p = np.where(world.vol_profile[:, None] == profile[None, :], prob[None, :], 0.0)
    hit = rng.random(p.shape) < p
    with np.errstate(divide="ignore"):
        forced = np.argmax(np.log(p) + rng.gumbel(size=p.shape), axis=1)
    lonely = ~hit.any(axis=1) & (p.sum(axis=1) > 0)
    hit[lonely, forced[lonely]] = True
    vol, t = np.nonzero(hit)
    habit = rng.integers(0, 60, (len(world.vol_role), len(WINDOWS)))  # one habit per kind
    k = kind[t].astype(int)
    return _rows(vol, weekday[t], 0, _window(k, habit[vol, k]), True)


def _dated_only(rng: np.random.Generator, world: World, days: int) -> Rows:
    """Profile 4 offers 2-4 particular days only (day, long day or night windows)."""
    vol = np.flatnonzero(world.vol_profile == 4)
    k = np.minimum(rng.integers(2, 5, len(vol)), days)
    ranks = np.argsort(np.argsort(rng.random((len(vol), days)), axis=1), axis=1)
    v, offset = np.nonzero(ranks < k[:, None])
    kind = np.array([4, 3, 1])[_draw_rows(rng, np.tile([0.5, 0.3, 0.2], (len(v), 1)))]
    return _rows(vol[v], -1, offset, _window(kind, rng.integers(0, 60, len(v))), True)


def _dated_extra(rng: np.random.Generator, world: World, days: int) -> Rows:
    """10 % of those with weekly habits also offer one particular long day."""
    habits = np.isin(world.vol_profile, (1, 2, 3))
    vol = np.flatnonzero(habits & (rng.random(len(habits)) < 0.10))
    window = _window(3, rng.integers(0, 60, len(vol)))
    return _rows(vol, -1, rng.integers(0, days, len(vol)), window, True)


def _exams(rng: np.random.Generator, world: World, days: int) -> Rows:
    """12 % of students sit an exam: a morning or whole day `no`, half of them two days running."""
    student = np.isin(world.vol_role, (3, 4)) & (rng.random(len(world.vol_role)) < 0.12)
    vol = np.flatnonzero(student)
    first = rng.integers(0, days, len(vol))
    two = (rng.random(len(vol)) < 0.5) & (first + 1 < days)
    vol = np.concatenate([vol, vol[two]])
    offset = np.concatenate([first, first[two] + 1])
    whole = rng.random(len(vol)) < 0.4
    return _rows(vol, -1, offset, (np.where(whole, 0, 8 * H), np.where(whole, 0, 14 * H)), False)


def _leave(rng: np.random.Generator, world: World, days: int) -> Rows:
    """6 % of the others are on leave 2-4 days running: one whole-day `no` row per day."""
    others = ~np.isin(world.vol_role, (3, 4)) & (rng.random(len(world.vol_role)) < 0.06)
    vol = np.flatnonzero(others)
    first = rng.integers(0, days, len(vol))
    length = np.minimum(rng.integers(2, 5, len(vol)), days - first)
    rows = np.repeat(np.arange(len(vol)), length)
    step = np.arange(len(rows)) - np.repeat(np.cumsum(length) - length, length)
    zero = np.zeros(len(rows), int)
    return _rows(vol[rows], -1, first[rows] + step, (zero, zero), False)


# --- needs --------------------------------------------------------------------------------


def _needs(
    rng: np.random.Generator, world: World, capacity: np.ndarray, spec: GeneratorSpec
) -> pd.DataFrame:
    """Needs whose places add up to SHORTAGE x capacity, shared by region supply and size."""
    target = _facility_targets(rng, world, capacity)
    slots = _slots(rng, world, spec)
    fac = slots["facility"]
    n_slots = np.maximum(np.bincount(fac, minlength=len(target)), 1)
    mean_count = np.clip(target / (FILL * n_slots), 1.6, 4.4)
    rel = slots["weight"] / (np.bincount(fac, slots["weight"], len(target)) / n_slots)[fac]
    extra = np.clip((mean_count[fac] - 1) * np.sqrt(rel) / (MAX_COUNT - 1), 0.0, 0.95)
    count = 1 + rng.binomial(MAX_COUNT - 1, extra)  # 1..5, bigger where more is asked
    target = _rebalance(target, np.bincount(fac, count, len(target)))
    key = np.log(slots["weight"]) + rng.gumbel(size=len(fac))  # weighted draw, no replacement
    order = np.lexsort((-key, fac))
    group_start = np.concatenate([[0], np.cumsum(np.bincount(fac, count, len(target)))])
    before = np.cumsum(count[order]) - count[order] - group_start[fac[order]]
    chosen = np.sort(order[before < target[fac[order]]])  # slots are already in table order
    return _need_table(rng, world, {k: v[chosen] for k, v in slots.items()}, count[chosen], spec)


def _rebalance(target: np.ndarray, possible: np.ndarray) -> np.ndarray:
    """Move what full facilities cannot post to the others, keeping the total demand."""
    total = target.sum()
    for _ in range(4):
        full = target >= possible
        free = target[~full].sum()
        if free == 0 or not full.any():
            break
        scale = (total - possible[full].sum()) / free
        target = np.where(full, possible, np.round(target * scale)).astype(int)
    return target


def _facility_targets(rng: np.random.Generator, world: World, capacity: np.ndarray) -> np.ndarray:
    """Places each facility asks for: its region's supply x SHORTAGE, shared by facility size."""
    n = len(world.region_name)
    region_cap = np.bincount(world.vol_region, weights=capacity, minlength=n)
    region_demand = region_cap * rng.lognormal(0.0, 0.15, n) + 1.0
    region_demand *= SHORTAGE * capacity.sum() / region_demand.sum()
    size_total = np.bincount(world.fac_region, weights=world.fac_size, minlength=n)
    share = world.fac_size / size_total[world.fac_region]
    return np.maximum(np.round(region_demand[world.fac_region] * share), 1).astype(int)


def _slots(rng: np.random.Generator, world: World, spec: GeneratorSpec) -> dict[str, np.ndarray]:
    """Every (facility, day, shift, role) a facility could post, in table order, with a weight."""
    n_fac = len(world.fac_region)
    pattern = rng.choice(len(PATTERN_SHARE), n_fac, p=PATTERN_SHARE)
    asks = rng.random((n_fac, len(ROLES))) < ROLE_POSTED
    asks[:, 1] = True  # every facility asks for nurses
    table = np.full((len(PATTERN_SHARE), 3), -1)
    for p in range(len(PATTERN_SHARE)):
        rows = np.flatnonzero(SHIFTS[:, 0] == p)
        table[p, : len(rows)] = rows[np.argsort(SHIFTS[rows, 1])]  # by start time
    grid = np.meshgrid(
        np.arange(n_fac), np.arange(spec.days), np.arange(3), np.arange(len(ROLES)), indexing="ij"
    )
    f, d, s, r = (a.ravel() for a in grid)
    shift = table[pattern[f], s]
    keep = (shift >= 0) & asks[f, r]
    f, d, shift, r = f[keep], d[keep], shift[keep], r[keep]
    weekend = (spec.first_day.weekday() + d) % 7 >= 5
    weight = DEMAND_SHARE[r] * ROLE_KIND[r, SHIFTS[shift, 3]] * np.where(weekend, WEEKEND_FACTOR, 1)
    return {"facility": f, "day": d, "shift": shift, "role": r, "weight": weight}


def _need_table(
    rng: np.random.Generator,
    world: World,
    slots: dict[str, np.ndarray],
    count: np.ndarray,
    spec: GeneratorSpec,
) -> pd.DataFrame:
    """Needs in the contract's columns, listed by facility, day, shift and role."""
    r, shift = slots["role"], slots["shift"]
    u = rng.random(len(r))
    priority = np.where(u < CRITICAL[r], 1, np.where(u > 1 - LOW[r], 3, 2))
    return pd.DataFrame(
        {
            "need_id": ids("N", len(r), 5),
            "facility_id": ids("F", len(world.fac_region), 3)[slots["facility"]],
            "date": (np.datetime64(spec.first_day, "D") + slots["day"]).astype(object),
            "start": CLOCK[SHIFTS[shift, 1]],
            "end": CLOCK[SHIFTS[shift, 2]],
            "role": np.array(ROLES, dtype=object)[r],
            "count": count.astype(np.int64),
            "priority": priority.astype(np.int64),
        }
    )
