"""Business rules that the documented functions (`functions/`) and the 7P REST surface (`rest/`) share.

Above the entities (records and their access rules), below every HTTP entry point: nothing here
declares a route or reads a request.
"""
