"""The admin dashboard: Reflex pages, page-local states, components."""
