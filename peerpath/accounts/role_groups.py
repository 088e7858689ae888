"""The one writer of role groups (Django groups), and the door the ladder uses for its own.

Two callers only, and ``.importlinter`` (contract "ladder-role-groups") keeps it so:

* ``accounts.services.set_role_members`` (with ``grant_role`` / ``revoke_role``) for the
  staff-granted roles, which refuses the ladder's roles (``roles.LADDER_ROLES``);
* ``progression``, whose award services keep a ladder role's group in step with its award
  (``set_ladder_role_members``): one award at a time or a whole batch run.

So nobody can hold Moderator or Ambassador without the award that dates it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from peerpath.accounts.models import User
from peerpath.accounts.roles import LADDER_ROLES, Role


@transaction.atomic
def set_ladder_role_members(
    *, role: Role | str, add: Iterable[User | int] = (), remove: Iterable[User | int] = ()
) -> None:
    """The group of a ladder role follows its award: progression's award services only."""
    if role not in LADDER_ROLES:
        raise ValueError(
            f"{role!r} is not a ladder role (accounts.roles.LADDER_ROLES): staff give it "
            "with accounts.services.grant_role."
        )
    write_members(role=role, add=add, remove=remove)


def write_members(
    *, role: Role | str, add: Iterable[User | int] = (), remove: Iterable[User | int] = ()
) -> None:
    """Set-based: one person (a staff grant, the admin, one award) or a whole ladder run
    costs the same few queries. No rule of who may hold what: the callers above own that.

    Adding a holder or removing a non-holder changes nothing. The Staff role keeps
    ``is_staff`` in step (a superuser keeps it). ``User`` instances passed in forget their
    cached roles; ids are for callers that hold no instances (the batch).
    """
    adding, removing = _user_ids(add), _user_ids(remove)
    if adding.keys() & removing.keys():
        raise ValueError("Nobody can be added to and removed from a role at once.")
    if not adding and not removing:
        return
    group, _ = Group.objects.get_or_create(name=str(role))
    through = User.groups.through
    if adding:
        through.objects.bulk_create(
            [through(user_id=pk, group_id=group.pk) for pk in adding], ignore_conflicts=True
        )
    if removing:
        through.objects.filter(group_id=group.pk, user_id__in=list(removing)).delete()
    if role == Role.STAFF:
        if adding:
            User.objects.filter(pk__in=list(adding), is_staff=False).update(is_staff=True)
        if removing:
            User.objects.filter(pk__in=list(removing), is_staff=True, is_superuser=False).update(
                is_staff=False
            )
    for instances, staff in ((adding, True), (removing, False)):
        for user in instances.values():
            if user is None:
                continue
            user.__dict__.pop("_role_names", None)
            if role == Role.STAFF and (staff or not user.is_superuser):
                user.is_staff = staff


def _user_ids(people: Iterable[User | int]) -> dict[int, User | None]:
    """Primary keys of ``people``, each with its instance when one was given."""
    out: dict[int, User | None] = {}
    for person in people:
        if isinstance(person, User):
            out[person.pk] = person
        else:
            out.setdefault(int(person), None)
    return out
