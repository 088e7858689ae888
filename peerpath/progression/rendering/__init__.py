"""Pure output formats (no Django, no database): ``certificates`` (the PDF and the Open Badges
credential)."""
