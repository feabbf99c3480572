"""``python -m wastesort`` is the ``wastesort`` command."""

from .cli import main

main()
