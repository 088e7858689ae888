"""The ladder roles that code names: their slugs, once. The roles themselves (names,
criteria, groups, certificates) are data in ``ladders/ladder.toml``; a test checks that every
slug here is a role there. Plain constants, no Django: any app's policies may import it."""

from __future__ import annotations

from typing import Final

ROOM_SUPPORTER: Final = "room-supporter"
SHARING_CIRCLE_HOST: Final = "sharing-circle-host"
CHATROOM_MODERATOR: Final = "chatroom-moderator"
GROUP_SUPPORT_MENTOR: Final = "group-support-mentor"
MENTOR_LEADER: Final = "mentor-leader"
AMBASSADOR: Final = "ambassador"

# Every role above, in the ladder's order.
ALL: Final = (
    ROOM_SUPPORTER,
    SHARING_CIRCLE_HOST,
    CHATROOM_MODERATOR,
    GROUP_SUPPORT_MENTOR,
    MENTOR_LEADER,
    AMBASSADOR,
)
