"""The portal's read-only JSON API for programs: the same published articles, filters, search, sort
and facet counts as the reader's pages, through the same Reads, with a generated OpenAPI schema."""
