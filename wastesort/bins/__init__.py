"""Sorting bins in the four national categories."""
