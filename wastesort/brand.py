"""The product's name, one per language: 垃圾分类管理 in Chinese, wastesort in English.

Defined once, here; the page header and every page title (templates/base.html) and the
e-mails' subjects use it, so the name cannot drift between places or languages.
"""

from flask_babel import lazy_gettext as _l

BRAND = _l("wastesort")
