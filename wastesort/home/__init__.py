"""The home page: the city at a glance."""
