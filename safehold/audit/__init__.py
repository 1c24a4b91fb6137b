"""The record of every access and change: an append-only, hash-chained audit log."""
