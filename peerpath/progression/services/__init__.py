"""Writes of the progression app, one module per feature: ``awards`` (one at a time),
``applications``, ``achievements`` (staff edits of the rules), ``batch`` (everyone, set-based),
``obligations``, ``buddies``, ``mock_chats``."""
