"""The Textual app (imported lazily by the CLI)."""
