"""Rebuild the message catalogues: extract every marked string, update the Chinese and
English .po files, fill in the Chinese texts of zh_texts.py, and compile the .mo files.

Run from the repository root: ``.venv/bin/python wastesort/translations/build.py``.
A string without a Chinese text is listed, so none is forgotten.
"""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
POT = HERE / "messages.pot"
LOCALES = ("zh_Hans_CN", "en")


def pybabel(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", *args], check=True,
                   cwd=ROOT)


def main() -> int:
    sys.path.insert(0, str(HERE))
    from zh_texts import ZH

    pybabel("extract", "-F", str(HERE / "babel.cfg"), "-k", "lazy_gettext", "-k", "_l",
            "--no-location", "--sort-output", "--project", "wastesort", "--version", "0.1.0",
            "--copyright-holder", "the wastesort authors", "-o", str(POT), ".")
    for locale in LOCALES:
        po = HERE / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(HERE), "-l", locale, "--no-fuzzy-matching",
                    "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(HERE), "-l", locale)
    po = HERE / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale="zh_Hans_CN")
    catalog.last_translator = catalog.language_team = "wastesort maintainers"
    missing = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):  # a plural: Chinese has one form
            if message.id[0] in ZH:
                message.string = (ZH[message.id[0]],)
            elif not message.string or not message.string[0]:
                missing.append(message.id[0])
        elif message.id in ZH:  # zh_texts.py is the source of the Chinese texts
            message.string = ZH[message.id]
        elif not message.string:
            missing.append(message.id)
    with po.open("wb") as f:
        write_po(f, catalog, no_location=True, width=100, ignore_obsolete=True)
    pybabel("compile", "-d", str(HERE), "--statistics")
    for message_id in missing:
        print("no Chinese text yet:", message_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
