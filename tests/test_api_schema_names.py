"""The OpenAPI document names each schema by its class name: two apps with a class of the same
name would show one of them for both (a report's PetitionIn once replaced the registration's)."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "xinfang"
# the same shape in every app ({message, errors}): one name for all is right
SHARED = {"ErrorOut"}


def test_no_two_api_modules_declare_a_schema_of_the_same_name():
    where: dict[str, list[str]] = defaultdict(list)
    for path in ROOT.rglob("*api.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef) and node.name not in SHARED:
                where[node.name].append(str(path.relative_to(ROOT)))
    twice = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not twice, twice
