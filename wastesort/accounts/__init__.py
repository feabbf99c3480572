"""Users, their roles and scopes, and API tokens."""
