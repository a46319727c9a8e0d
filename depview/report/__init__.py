"""Report formats: json, table, sarif, markdown, cyclonedx."""
