"""Parts on a Dask cluster: the solver's executor, when one machine is not enough.

The parts are independent and travel as plain arrays (`Part`), so any
`concurrent.futures.Executor` can solve them; a Dask client's executor sends
each to a worker, which builds and solves its model there and sends back the
chosen pairs. A worker that dies mid-solve loses nothing: the scheduler runs
its part again elsewhere (Dask's own `allowed-failures`), and a part that
still fails is staffed by the greedy coordinator, as with the local pool.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Iterator
from contextlib import contextmanager

from scheduler.i18n import gettext

CONNECT_SECONDS = 20


class ClusterUnreachable(Exception):
    """No Dask scheduler answered at the address given."""


@contextmanager
def dask_executor(address: str) -> Iterator[cf.Executor]:
    """An executor on the Dask scheduler at `address` (e.g. tcp://10.0.0.5:8786)."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_SECONDS, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        message = gettext(
            "no Dask scheduler answered at %(address)s within %(seconds)s s (%(error)s); "
            "start one with `dask scheduler` and workers with `dask worker ADDRESS`",
            address=address,
            seconds=CONNECT_SECONDS,
            error=exc,
        )
        raise ClusterUnreachable(message) from exc
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()
