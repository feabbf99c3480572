"""Facility intake: weighbridge tickets at the treatment facilities, their daily sums, and the
pages of facility operators and managers (docs/metrics.md, "The chain to treatment")."""
