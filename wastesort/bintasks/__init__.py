"""Bin problems followed to their end: reports of full, damaged, dirty or missing bins, and the
task each opens for the street's administrator (acknowledged, resolved or rejected; overdue
past its due time)."""
