"""Chinese full-text search over subject, content, petitioner names and number.

SQLite's tokenizers cannot find two-character Chinese words inside a run of Chinese, so text is
segmented with jieba (search mode: every word and its sub-words) into space-separated tokens,
stored in `SearchDocument`. On SQLite an external-content FTS5 table `petitions_search`, kept in
step by triggers, indexes those tokens; on PostgreSQL a GIN index over a 'simple' tsvector does.
The query is segmented the same way and every token must match.
"""

import re
from functools import lru_cache

from django.db import connection
from django.db.models import QuerySet

_WORD = re.compile(r"[\w]+", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    return jieba


def segment(text: str) -> list[str]:
    """The words of `text` for indexing and querying: jieba's search-mode cut, punctuation dropped,
    Latin letters lower-cased."""
    words = []
    for chunk in _WORD.findall(text or ""):
        if chunk.isascii():
            words.append(chunk.lower())
            continue
        words.extend(w for w in _jieba().cut_for_search(chunk) if w.strip())
    return words


def document_tokens(*, number: str, subject: str, content: str, names: list[str]) -> str:
    parts = [*segment(number), *segment(subject), *segment(content)]
    for name in names:
        parts.append(name)
        parts.extend(segment(name))
    return " ".join(parts)


def _fts5_query(tokens: list[str]) -> str:
    return " ".join('"' + token.replace('"', '""') + '"' for token in dict.fromkeys(tokens))


def search_filter(qs: QuerySet, q: str) -> QuerySet:
    """Restricts a Petition queryset to those matching every word of `q`."""
    tokens = segment(q)
    if not tokens:
        return qs
    table = qs.model._meta.db_table
    if connection.vendor == "postgresql":
        return qs.extra(
            where=[
                f'"{table}"."id" IN (SELECT petition_id FROM petitions_searchdocument '
                "WHERE to_tsvector('simple', tokens) @@ plainto_tsquery('simple', %s))"
            ],
            params=[" ".join(dict.fromkeys(tokens))],
        )
    return qs.extra(
        where=[f'"{table}"."id" IN (SELECT rowid FROM petitions_search WHERE petitions_search MATCH %s)'],
        params=[_fts5_query(tokens)],
    )
