"""The message catalogues are whole: every string marked for translation in the code and the
templates is in the committed catalogue, and every one has a Chinese text."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "wastesort" / "translations"


def _ids(path: Path, locale=None) -> dict:
    with path.open("rb") as f:
        catalog = read_po(f, locale=locale)
    return {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def test_every_marked_string_is_in_the_catalogue(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", "extract", "-F",
                    str(TRANSLATIONS / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l",
                    "--no-location", "-o", str(pot), "."], check=True, cwd=ROOT)
    marked = set(_ids(pot))
    catalogued = set(_ids(TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"))
    missing = sorted(marked - catalogued)
    assert not missing, ("marked but not in the catalogue (run "
                         "wastesort/translations/build.py): " + "; ".join(missing[:20]))


def test_every_catalogue_message_has_a_chinese_text():
    strings = _ids(TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po", "zh_Hans_CN")
    untranslated = sorted(m for m, text in strings.items()
                          if not (text if isinstance(text, str) else text[0]))
    assert not untranslated, "no Chinese text: " + "; ".join(untranslated[:20])
