"""Registry and advisory clients (npm, PyPI, OSV), the disk cache and snapshots."""
