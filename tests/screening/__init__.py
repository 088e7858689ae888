"""Writers for tests/test_screening_coverage.py.

Each module has ``WRITERS: dict[str, Callable[[str], Model]]`` mapping "app.Model.field" to a
function that writes crisis text into that field through the real service a user calls, and
returns the saved row."""
