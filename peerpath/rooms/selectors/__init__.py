"""Reads of the rooms app, one module per feature: ``catalogue`` (the room list, one
room), ``posting`` (history), ``presence``, ``moderation`` (the queue, alerts,
responders), ``sessions`` (sessions and hosting time); ``common``: the facts policies
read (``viewer``, ``standing``)."""
