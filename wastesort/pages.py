"""The web pages' blueprints, registered explicitly."""


def register_pages(app):
    """Register the page blueprints of every feature."""
