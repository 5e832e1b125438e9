"""What the apps that own clocks register with deadlines (from their `AppConfig.ready`):

- `register_rule(RuleDefinition(...))`: a time limit of their procedure, in any unit (calendar
  days, working days, hours, minutes). `rule_for`, the 期限规则 page and the internal-target
  checks read every registered rule; deadlines itself defines none.
- `register_clock_handler(owner_type, handler)`: who is told when a clock of that owner type runs
  out. The one sweep (`sweep.deadlines_sweep`) hands each handler its newly overdue open
  `Deadline` rows in batches, once per clock, and runs the handler's own periodic `scan` (e.g.
  the petitions' 临期/逾期 alerts, which also cover limits that are not `Deadline` rows). The
  handler decides wording and recipients and writes the notifications (idempotent through their
  dedupe keys: a batch whose transaction failed is handed over again).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from .rules import RULES, RuleDefinition

if TYPE_CHECKING:
    from .models import Deadline


@dataclass(frozen=True)
class ScanResult:
    """What a handler's periodic scan looked at and how many notifications it wrote."""

    checked: int
    created: int


class ClockHandler(Protocol):
    """An owning app's answer to its clocks running out.

    `overdue` gets open `Deadline` rows of its owner type whose `due_at` has passed, each row
    once (until its due time changes), inside the transaction that marks them; it returns how
    many notifications it wrote. `scan` is the owner's periodic look at what the rows do not
    show (None: nothing to scan); the sweep runs it every `scan_minutes` minutes.
    """

    scan_minutes: int

    def overdue(self, deadlines: Sequence["Deadline"], *, now: datetime) -> int: ...

    def scan(self, *, now: datetime) -> ScanResult | None: ...


_handlers: dict[str, ClockHandler] = {}


def register_rule(definition: RuleDefinition) -> None:
    """Adds a rule; registering the same definition again (a second `ready`) changes nothing, a
    different one under a known code is a programming error."""
    known = RULES.get(definition.code)
    if known is not None and known != definition:
        raise ValueError(f"deadline rule {definition.code!r} is registered twice, differently")
    RULES[definition.code] = definition


def unregister_rule(code: str) -> None:
    """Removes a rule (tests that register their own)."""
    RULES.pop(code, None)


def register_clock_handler(owner_type: str, handler: ClockHandler) -> None:
    _handlers[owner_type] = handler


def unregister_clock_handler(owner_type: str) -> None:
    _handlers.pop(owner_type, None)


def clock_handler(owner_type: str) -> ClockHandler | None:
    return _handlers.get(owner_type)


def clock_handlers() -> dict[str, ClockHandler]:
    return dict(_handlers)
