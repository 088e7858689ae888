"""Huey is configured from settings.HUEY (djhuey); tasks live in each app's tasks.py."""

from huey.contrib.djhuey import HUEY

__all__ = ["HUEY"]
