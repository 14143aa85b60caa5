"""Payments and subscriptions: Stripe Checkout, the billing portal, verification, the webhook and syncs."""
