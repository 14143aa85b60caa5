"""The library every SparkAcademy function stands on: HTTP pipeline, errors, auth, limits, storage."""
