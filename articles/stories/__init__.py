"""Stories: articles that report one event, grouped across the corpus.

`rules` holds the pure rules (testable without a database); `clustering` keeps the database in
step: `cluster_articles(ids)` after each written import batch, `recluster()` from scratch.
"""

from .clustering import cluster_articles, recluster, refresh_stories_of

__all__ = ["cluster_articles", "recluster", "refresh_stories_of"]
