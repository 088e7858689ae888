"""Group support rooms: real-time chat, badge locks, moderation, sessions and hosts."""
