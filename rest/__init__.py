"""The 7P Education REST surface (`/api/...`): a second HTTP contract over the same accounts and data."""
