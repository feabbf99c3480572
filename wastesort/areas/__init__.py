"""Districts, towns and streets (the township level), communities."""
