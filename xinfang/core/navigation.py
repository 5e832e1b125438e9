"""The navigation bar's registry: each app contributes its own entries in its AppConfig.ready.

Core knows no app: an entry names a URL and the capability (or a predicate on the capabilities)
that shows it, and whoever knows the signed-in user's capabilities (accounts' context processor)
asks `nav_items_for` for what to render.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

MAIN = "main"  # the menu at the left of the bar
TOOLS = "tools"  # the buttons at its right (the inbox bell), each rendered by its own template


@dataclass(frozen=True)
class NavEntry:
    """One entry of the bar. Shown when the user holds `capability` (None: every signed-in user)
    and `predicate`, when given, accepts their capabilities. Entries are sorted by `order`; of
    two entries with the same link only the first shown is kept (用户管理 before 角色分配)."""

    label: str
    url_name: str
    order: int
    capability: str | None = None
    predicate: Callable[[frozenset[str]], bool] | None = None
    group: str = MAIN
    icon: str = ""
    template: str = ""  # TOOLS: the partial that renders the entry

    def is_shown_to(self, capabilities: frozenset[str]) -> bool:
        if self.capability is not None and self.capability not in capabilities:
            return False
        return self.predicate is None or self.predicate(capabilities)


@dataclass(frozen=True)
class NavItem:
    """A shown entry with its link resolved, as the templates read it."""

    label: str
    url: str
    active: bool
    icon: str
    template: str


_entries: dict[str, NavEntry] = {}


def register_nav_entry(entry: NavEntry) -> None:
    """Adds (or, registered again under the same label and group, replaces) an entry."""
    _entries[f"{entry.group}:{entry.label}"] = entry


def nav_entries(group: str = MAIN) -> list[NavEntry]:
    return sorted((e for e in _entries.values() if e.group == group), key=lambda e: (e.order, e.label))


def nav_items_for(*, capabilities: frozenset[str], path: str, group: str = MAIN) -> list[NavItem]:
    """The entries of `group` shown to a user holding `capabilities`, on the page at `path`."""
    items: list[NavItem] = []
    seen: set[str] = set()
    for entry in nav_entries(group):
        if not entry.is_shown_to(capabilities):
            continue
        url = reverse(entry.url_name)
        if url in seen:
            continue
        seen.add(url)
        items.append(
            NavItem(label=entry.label, url=url, active=path == url, icon=entry.icon, template=entry.template)
        )
    return items
