"""The composition point: what the deployed targets and `make dev` are assembled from.

`app.security` is what every target needs to tell who is calling (the `api` service and
each function alike); `app.api` is the `api` service: the modules whose routes it serves
and the contracts they answer in. Nothing registers itself when imported: only these do.
"""
