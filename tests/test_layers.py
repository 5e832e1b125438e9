"""The layers of docs/architecture.md, read from the import statements of every module (tests and
migrations aside): a lower layer never imports a higher one."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "xinfang"

LAYER = {
    "core": 1,
    "audit": 1,
    "accounts": 2,
    "organisation": 2,
    "procedure": 3,
    "documents": 3,
    "notifications": 3,
    "deadlines": 3,
    "petitions": 4,
    "supervision": 4,
    "duty": 4,
    "inforeports": 4,
    "incidents": 4,
    "keypersons": 4,
    "disputes": 4,
    "screenings": 4,
    "stats": 5,
    "portal": 5,
    "workbench": 6,
    "demo": 6,
}
# within a layer, one way only unless said: the audit log uses core's errors and names its actor;
# users and units know each other (a user belongs to a unit, scope reads both); the engine
# issues notices (文书) and sends a step's messages (消息通知); notices may name a clock
ALLOWED = {
    ("audit", "core"),
    ("audit", "accounts"),
    ("accounts", "organisation"),
    ("organisation", "accounts"),
}
ALLOWED |= {("procedure", "documents"), ("procedure", "notifications"), ("notifications", "deadlines")}
# kinds of case attach to one another one way: supervision to petitions, never the reverse
ALLOWED |= {("supervision", "petitions")}
# the duty log registers petitions (through the petitions' service) and a handover lists the
# petitions a shift registered and nobody has routed yet
ALLOWED |= {("duty", "petitions")}
# an information report's sign may become a petition (through the petitions' service); an
# incident links the sign it came from, and its evidence follows the petitions' file rules
ALLOWED |= {("inforeports", "petitions"), ("incidents", "inforeports"), ("incidents", "petitions")}
# a shift hands over the unit's incidents still open (their follow-up reports fall to the next)
ALLOWED |= {("duty", "incidents")}
# a key person links their petitioner record and is looked for in the duty log (the alarm)
ALLOWED |= {("keypersons", "petitions"), ("keypersons", "duty")}
# a dispute may come from a petition (访调对接), a sign or the duty log and may become a petition or
# an incident (through their own services); a screening round registers the disputes it found
ALLOWED |= {("disputes", "petitions"), ("disputes", "inforeports"), ("disputes", "incidents")}
ALLOWED |= {("disputes", "duty"), ("screenings", "disputes")}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name.split(".")[1] for name in names if name.startswith("xinfang.") and name.count(".") >= 1}


def _modules(app: str) -> list[Path]:
    return [
        p
        for p in (ROOT / app).rglob("*.py")
        if "tests" not in p.relative_to(ROOT).parts and "migrations" not in p.relative_to(ROOT).parts
    ]


def test_every_app_has_a_layer():
    apps = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps <= set(LAYER), apps - set(LAYER)


@pytest.mark.parametrize("app", sorted(LAYER))
def test_an_app_imports_no_app_of_its_own_layer_or_above(app):
    wrong = {}
    for path in _modules(app):
        for other in _imported_apps(path) - {app}:
            if other in LAYER and LAYER[other] >= LAYER[app] and (app, other) not in ALLOWED:
                wrong.setdefault(other, []).append(str(path.relative_to(ROOT)))
    assert not wrong, f"{app} (layer {LAYER[app]}) imports: {wrong}"
