"""Session log-in for the pages (Flask-Login)."""

from flask import Flask

from ..extensions import db, login_manager
from .models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
