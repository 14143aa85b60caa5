"""HR integrations (BambooHR, Workday) and the SSO connection test."""
