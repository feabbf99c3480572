"""Recycling points: staffed stations and intelligent kiosks where collections are weighed."""
