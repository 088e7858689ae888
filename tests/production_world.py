"""The production smoke test's world, built inside a production configuration.

Run by ``tests/test_production.py`` as ``python tests/production_world.py`` with the same
environment as ``make serve`` (DEBUG off, the smoke database and Redis). It builds the
authorization matrix's world through the services (one user per role, their mentorships,
rooms, events...; ``tests/test_authz_matrix.build_matrix_world``), fills the sample path of
every GET row for every role that has an outcome there (the same placeholders the matrix walk
uses, so the two never drift), in two phases, each printed as one JSON line:

    {"password": "...", "users": {role: username},
     "cells": [{"route": ..., "role": ..., "path": ..., "expected": ...}, ...]}
    (then, after a line on stdin)
    {"cells": [...]}    # the rows whose paths name objects
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()

    from django.db import transaction

    from peerpath.accounts.tests.factories import PASSWORD
    from tests import test_authz_matrix
    from tests.authz import ROLES
    from tests.test_authz_matrix import CASES, PLACEHOLDERS, Cell, Placeholder, build_matrix_world

    # The matrix walk rolls each cell back, so its placeholders may create a fresh object per
    # call; here the objects must stay for the server to see, so each placeholder creates one
    # object per role and relation and every row reuses it.
    made: dict[tuple[str, str, str], str] = {}

    def once(name: str, holder: Placeholder) -> Placeholder:
        def present(cell: Cell) -> str:
            key = (name, cell.role, cell.relation)
            if key not in made:
                made[key] = holder.present(cell)
            return made[key]

        return Placeholder(present, holder.missing)

    for name, holder in list(PLACEHOLDERS.items()):
        PLACEHOLDERS[name] = once(name, holder)
    fill = test_authz_matrix.fill

    def cells_of(rows_with_placeholders: bool) -> list[dict[str, str]]:
        cells = []
        for case in CASES:
            if case.row.method != "GET" or bool(case.row.placeholders) != rows_with_placeholders:
                continue
            for role in ROLES:
                expected = case.row.outcomes[role]
                if expected == "na":
                    continue
                cell = Cell(world, role, world.by_role(role), case.row.relation)
                path = fill(case.row, cell) if case.row.placeholders else case.path
                cells.append({"route": case.key, "role": role, "path": path, "expected": expected})
        return cells

    # Phase 1: the people alone, and the rows that name no object. Filling a placeholder can
    # change the actor (an "own" room makes them its moderator), so those rows are walked
    # against this world first, before any object exists.
    with transaction.atomic():
        world = build_matrix_world()
        users = {role: u.username for role in ROLES if (u := world.by_role(role)) is not None}
    print(json.dumps({"password": PASSWORD, "users": users, "cells": cells_of(False)}), flush=True)
    # Phase 2, when the caller says so (a line on stdin): the objects, and their rows.
    sys.stdin.readline()
    with transaction.atomic():
        filled = cells_of(True)
    print(json.dumps({"cells": filled}), flush=True)


if __name__ == "__main__":
    main()
