"""Sorting inspections: what an inspector (督导员) saw where a community puts out its waste —
households putting out waste and how many sorted it, bags and bins checked and how many were
sorted correctly, contamination per category — with optional photos.

``models`` the rows, ``tally`` the daily per-community sums beside them, ``service`` the rules
the API and the pages share, ``photos`` the attached pictures, ``schemas`` and ``api`` the
JSON API. The figures (participation, accuracy, communities inspected) are in
:mod:`wastesort.metrics.inspections`.
"""
