"""Rooms pages, one module per feature: ``catalogue`` (the room list, one room),
``moderation`` (sanctions, room controls, the queue, alerts), ``reports`` (reports and
blocks), ``sessions`` (sessions and hosting time); ``common``: how every action answers
(JSON, htmx, or a page) and the lookups they share."""
