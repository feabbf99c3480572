"""A household's address parts — building, unit, room — are stored bare: people write "3栋",
"2单元", "0101室" as often as "3", "2", "0101", and a page adds the words of its own language
("3栋2单元0101室", "Bldg 3, unit 2, room 0101"). Stored with the word, a part was shown twice
("3栋 栋"); the import and the household service store the bare part, and the pages show old
rows stored with the word once as well."""

from flask_babel import gettext

from ..i18n import reads_chinese

# The words written after each part, longest first ("号楼" before a bare "楼" would be).
SUFFIXES = {"building": ("号楼", "栋", "幢"), "unit": ("单元",), "room": ("室",)}


def bare(part: str, text: str) -> str:
    """``text`` without the word for ``part`` at its end ("3栋" → "3"); a part that is only the
    word stays as written."""
    for suffix in SUFFIXES[part]:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[:-len(suffix)].rstrip()
    return text


def household_address(building: str, unit: str, room: str) -> str:
    """The parts given, each once with the word of the user's language; empty ones left out."""
    parts = []
    if building:
        parts.append(gettext("Bldg %(b)s", b=bare("building", building)))
    if unit:
        parts.append(gettext("unit %(u)s", u=bare("unit", unit)))
    if room:
        parts.append(gettext("room %(r)s", r=bare("room", room)))
    return ("" if reads_chinese() else ", ").join(parts)


def list_separator() -> str:
    """Between names in a list: 、 in Chinese, a comma in English."""
    return "、" if reads_chinese() else ", "

