"""The role slugs code names (``ladder_roles``) are roles of the shipped ladder."""

from __future__ import annotations

from peerpath.progression import ladder, ladder_roles


def test_every_named_slug_is_a_role_of_the_ladder_in_its_order() -> None:
    roles = [a["slug"] for a in ladder.read_seed().achievements if a["kind"] == "role"]
    assert [slug for slug in roles if slug in ladder_roles.ALL] == list(ladder_roles.ALL)
    assert set(ladder_roles.ALL) <= set(roles)
