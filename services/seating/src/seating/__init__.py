"""Seating: bookings and seat maps as Restate state."""
