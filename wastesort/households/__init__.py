"""Households under (or not yet under) garbage classification."""
