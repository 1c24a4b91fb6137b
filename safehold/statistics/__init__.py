"""Anonymised statistics and statutory returns: aggregate outputs, protected by the pack's
disclosure control, for statistics-only roles and managers (docs/adr/0022)."""
