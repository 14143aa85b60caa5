"""Entity models, their Firestore store, and who may read or write them."""
