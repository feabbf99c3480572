"""Daily collection tonnage posted by recycling-point staff and kiosks."""
