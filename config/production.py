"""Production settings: ``WASTESORT_CONFIG=config/production.py`` (README, "Production").

The service runs behind one reverse proxy that ends TLS (nginx, for example) and sets
``X-Forwarded-For`` and ``X-Forwarded-Proto``; Redis holds the throttling counts for every
worker. The database URL and the secret key come from the environment
(``WASTESORT_SQLALCHEMY_DATABASE_URI``, ``WASTESORT_SECRET_KEY``).
"""

TRUSTED_PROXIES = 1  # one proxy in front: take the client address and HTTPS from it
SESSION_COOKIE_SECURE = True  # the session cookie travels over HTTPS only
PREFERRED_URL_SCHEME = "https"
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
