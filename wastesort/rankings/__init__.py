"""Rankings of towns and streets and of their communities (红黑榜): the page and the API over
:mod:`wastesort.metrics.rankings`."""
