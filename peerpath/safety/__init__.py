"""Safety tools that need no database: crisis-language detection and crisis resources."""
