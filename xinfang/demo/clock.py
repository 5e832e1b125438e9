"""A simulated clock for the demo office's history: the real services, run as of a past moment.

The procedure engine, the deadline engine, the notices and the audit log all read the time from
`django.utils.timezone.now` (directly or through `localdate`/`localtime`), and none takes a moment
of its own. To give the sample matters a true history (received in July, accepted two days later,
overdue since October), the demo loader runs each step with that function answering the step's
moment, so every row the step writes (timeline event, clock, notice and its number, audit entry)
carries the same moment, as if the office had done it then.

Only the demo loader uses this, in one thread, before the server starts (`make run`); it is
never active while a request is served.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone


@contextmanager
def simulated_now(moment: datetime) -> Iterator[None]:
    """Within the block, `timezone.now()` (and so `localdate()`, `localtime()`) is `moment`."""
    if timezone.is_naive(moment):
        raise ValueError("the simulated moment must be timezone-aware")
    real = timezone.now
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.now = real
