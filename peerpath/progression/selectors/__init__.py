"""Reads of the progression app, one module per feature: ``awards`` (a person's path, badges,
history), ``applications``, ``certificates``, ``buddies``, ``mock_chats``."""
