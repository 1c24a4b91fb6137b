"""Safehold: case records where the privacy notice is the specification."""
