"""The staffing engine: read a dataset, decide who works where, explain and export.

No web code lives here; `web/` is a thin layer over this package.
"""

__version__ = "0.1.0"
