"""Seeded synthetic datasets shaped like the national campaign, at any scale.

The solver, the validator, the benchmarks and the web app all need realistic
inputs that anyone can regenerate bit for bit, without real personal data.
Every number is a modelling assumption kept in `assumptions`; docs/generator.md
explains each one, so change both together. Pure and vectorised: no I/O, no
Python loop over needs or availability, and the same `GeneratorSpec` always
gives the same tables.

`spec` says what to generate, `world` draws the country as arrays, and
`facilities`, `volunteers`, `availability` and `needs` turn it into the sheets
that `assembly` puts together, each from its own random stream.
"""

from scheduler.synthetic.assembly import generate
from scheduler.synthetic.spec import GeneratorSpec
from scheduler.synthetic.volunteers import weekly_capacity

__all__ = ["GeneratorSpec", "generate", "weekly_capacity"]
