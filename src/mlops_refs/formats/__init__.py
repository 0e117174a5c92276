"""Formats in both directions: each reader turns another program's file into a catalog and a report."""
