"""Writes of the rooms app, one module per feature: ``catalogue`` (loading the seeded
rooms), ``posting``, ``moderation`` (sanctions, room controls, safeguarding alerts),
``reports`` (reports and blocks), ``sessions``, ``presence``; ``common``: what they share.

Every write is atomic, raises ``core.errors.Refused`` with a sentence for the person, and
broadcasts through ``realtime`` only after commit. Text people write here (messages, report
notes, session titles and descriptions) goes through ``safety.services.screen`` inside the
same transaction: the room's moderators are the responders
(``selectors.moderation.responders``)."""
