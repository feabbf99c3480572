"""Treatment facilities: their active daily capacity is the city's disposal capacity."""
