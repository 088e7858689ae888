"""Pages of the progression app, one module per feature: ``awards`` (/path/), ``applications``
(apply, withdraw, reviews), ``buddies``, ``mock_chats``, ``certificates`` (public)."""
