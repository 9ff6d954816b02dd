"""The coordinator console: a small single-page app served by the API (see routes)."""
