"""Safe-version choice and the export writers."""
