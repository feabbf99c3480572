"""Deterministic demo data faithful to the seed article's figures."""
