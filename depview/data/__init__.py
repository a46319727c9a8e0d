"""Package data: popular-name lists (typosquat reference), bundled demo data."""
