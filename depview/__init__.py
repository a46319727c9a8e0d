"""depview: see why a dependency is risky."""

__version__ = "0.1.0"
