"""Background ticks: run in the web process (default) or as `python -m cart_admin.worker`."""
