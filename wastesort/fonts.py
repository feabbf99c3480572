"""The fonts of the charts: Noto Sans SC for Chinese, loaded by its file path.

The font (SIL Open Font License 1.1, from Google's and Adobe's Noto CJK) is a file of the PyPI
package ``pylopdf-fonts-zh-cn``, a dependency in pyproject.toml: every install of wastesort has
it, with no system package and no root. matplotlib finds fonts by name in a list it caches in
``MPLCONFIGDIR`` on its first run, so a font installed after that stays unseen until the cache is
deleted by hand. Here the file is added by its path (``fontManager.addfont``, in memory) once per
process before the first chart, and the charts ask for its family by name: the cache is never
consulted for it.
"""

import logging
import threading
from pathlib import Path

CJK_FAMILY = "Noto Sans SC"
LATIN_FAMILY = "DejaVu Sans"  # matplotlib's own font, always present

log = logging.getLogger(__name__)
_lock = threading.Lock()
_loaded: dict[str, Path | None] = {}


def cjk_font_path() -> Path | None:
    """The Noto Sans SC file that the dependency installed, or None when it is missing."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    path = Path(sans_path())
    return path if path.is_file() else None


def load_cjk_font() -> Path | None:
    """Register the CJK font with matplotlib (once per process); its path, or None.

    Missing, it is logged once as a warning and the charts are drawn in English, so a broken
    install shows as English charts and one log line, never as empty boxes."""
    with _lock:
        if "path" not in _loaded:
            path = cjk_font_path()
            if path is None:
                log.warning("The CJK font %s (package pylopdf-fonts-zh-cn) is not installed: "
                            "charts are drawn in English. Install the project again "
                            "(pip install -e .).", CJK_FAMILY)
            else:
                from matplotlib import font_manager

                font_manager.fontManager.addfont(str(path))
            _loaded["path"] = path
        return _loaded["path"]


def chart_families(chinese: bool) -> list[str]:
    """Font families for a chart's texts, first choice first: Chinese text is set entirely in
    the CJK font; English text in matplotlib's own, with the CJK font for Chinese names."""
    return [CJK_FAMILY, LATIN_FAMILY] if chinese else [LATIN_FAMILY, CJK_FAMILY]
