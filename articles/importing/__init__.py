"""Article documents in: discover, read and prepare, write.

- `fields`: the one table of document keys to model fields, and the record shapes built from it.
- `documents`: bytes of one document to a clean `ArticleRecord`, or a one-line `DocumentError`.
- `prepare`: the derived fields (rendered body, search text, source count, URL key, slug).
- `pipeline`: `import_paths`, the whole import; `writer`: batches into the database.

The parser needs no app registry to be imported; the pipeline and the writer do, so they are
loaded on first use of `import_paths` and the other names below.
"""

_PIPELINE = {"CREATED", "UNCHANGED", "UPDATED", "ImportReport", "Problem", "collect_files", "import_paths"}


def __getattr__(name):
    if name in _PIPELINE:
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_PIPELINE)
