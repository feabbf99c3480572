"""The dashboard: tonnage against capacity and coverage, scoped to the user."""
