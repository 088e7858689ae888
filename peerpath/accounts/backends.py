"""Permissions that come with staff-granted roles, declared as data.

Django's model permissions are rows created after migrations run, so a role cannot be
seeded with them reliably; instead the role itself carries its grants here.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

from peerpath.accounts.roles import Role

# Role -> app labels whose models the role may view/add/change/delete in admin.
ROLE_APP_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.STAFF: frozenset(
        {
            "accounts",
            "activity",
            "mentorship",
            "progression",
            "rooms",
            "nudges",
            "events",
            "training",
            "resources",
            "spotlights",
            "feedback",
            "analytics",
            "partners",
            "safety",
        }
    ),
}


class RolePermissionBackend(BaseBackend):
    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False) or not user_obj.is_authenticated:
            return False
        if not getattr(user_obj, "is_staff", False):
            return False
        app_label = perm.split(".", 1)[0]
        return any(
            app_label in apps and user_obj.has_role(role)
            for role, apps in ROLE_APP_PERMISSIONS.items()
        )

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return self.has_perm(user_obj, f"{app_label}.view")
