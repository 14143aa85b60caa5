"""The documented functions: one module each, `<area>/<snake_name>.py`, declared with `shared.router.endpoint`."""
