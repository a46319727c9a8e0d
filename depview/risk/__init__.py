"""The risk engine: one pure function per signal, scoring and policy."""
