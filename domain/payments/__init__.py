"""Payments: Stripe checkout, the exactly-once effects of payments, refunds and what follows the money."""
