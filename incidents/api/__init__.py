"""The read-only public JSON API.

Every item is a record of the interchange format (incidents/interchange.py, scope PUBLIC), so
the API, the JSON export and docs/data-format.md describe the same thing, and the public
allow-list (incidents/public.PUBLIC_FIELDS) stays the only gate between the database and the
public. The serializers in `serializers.py` only *document* that shape for the OpenAPI schema;
no response is built through them.
"""
