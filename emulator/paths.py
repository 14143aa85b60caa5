"""Where the emulator serves the local Stripe's hosted pages (a session's `url` opens them)."""

CHECKOUT_PAGES = "/dev/checkout/"
PORTAL_PAGES = "/dev/portal/"
