"""Chinese full-text search over subject, content, petitioner names and number.

SQLite's tokenizers cannot find two-character Chinese words inside a run of Chinese, so text is
segmented with jieba (search mode: every word and its sub-words) into space-separated tokens,
stored in `SearchDocument`. On SQLite an external-content FTS5 table `petitions_search`, kept in
step by triggers, indexes those tokens; on PostgreSQL a GIN index over a 'simple' tsvector does.
The query is segmented the same way and every token must match.
"""

import re
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from xinfang.accounts.permissions import sees_subtree

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


def scope_tokens(unit_path: str) -> list[str]:
    """Words that put a petition's registering unit into the index: `xfo<id>` for the unit itself
    and `xfu<id>` for it and every unit above it. A search adds the searcher's scope word, so the
    index alone answers "matches within my scope" (and counts them) without reading the table."""
    ids = [part for part in unit_path.split("/") if part]
    return [f"xfo{ids[-1]}", *(f"xfu{i}" for i in ids)] if ids else []


SCOPE_TOKEN = re.compile(r"^xf[ou]\d+$")


def scope_tokens_of(unit_path: str, handling_path: str = "") -> list[str]:
    """The scope words of a petition: its registering unit's and, once it is transferred or
    assigned, its handling unit's, so that users of either see it in search."""
    words = scope_tokens(unit_path)
    if handling_path:
        words += [word for word in scope_tokens(handling_path) if word not in words]
    return words


def rescope_tokens(tokens: str, unit_path: str, handling_path: str) -> str:
    """`tokens` with its scope words replaced, after the handling unit changed."""
    words = [word for word in tokens.split(" ") if word and not SCOPE_TOKEN.match(word)]
    return " ".join([*words, *scope_tokens_of(unit_path, handling_path)])


def scope_token_for(actor: Any) -> str | None:
    unit = getattr(actor, "unit", None)
    if unit is None:
        return None
    return f"xfu{unit.pk}" if sees_subtree(actor) else f"xfo{unit.pk}"


def document_tokens(
    *, number: str, subject: str, content: str, names: list[str], unit_path: str, handling_path: str = ""
) -> str:
    parts = [
        *segment(number),
        *segment(subject),
        *segment(content),
        *scope_tokens_of(unit_path, handling_path),
    ]
    for name in names:
        parts.append(name)
        parts.extend(segment(name))
    return " ".join(parts)


def _fts5_query(tokens: list[str]) -> str:
    return " ".join('"' + token.replace('"', '""') + '"' for token in dict.fromkeys(tokens))


def query_tokens(q: str, actor: Any) -> list[str]:
    """The words of a query plus the actor's scope word; empty when the query has no words."""
    tokens = segment(q)
    scope = scope_token_for(actor)
    return [*tokens, scope] if tokens and scope else tokens


def search_filter(qs: QuerySet, q: str, actor: Any) -> QuerySet:
    """Restricts a Petition queryset to those matching every word of `q`, newest registered first.

    On SQLite the FTS5 table is joined and the result ordered by its rowid (the petition id), so
    that SQLite walks the index backwards and stops at the page's last row instead of sorting
    every match. The ordinary scope filter stays on the queryset as well.
    """
    tokens = query_tokens(q, actor)
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
        ).order_by("-id")
    return qs.extra(
        tables=["petitions_search"],
        where=[f'petitions_search.rowid = "{table}"."id"', "petitions_search MATCH %s"],
        params=[_fts5_query(tokens)],
        select={"search_rowid": "petitions_search.rowid"},
        order_by=["-search_rowid"],
    )


def search_count(q: str, actor: Any) -> int | None:
    """How many petitions in the actor's scope match `q`, from the index alone (SQLite), or None
    where the index cannot answer it by itself (PostgreSQL: count through the queryset)."""
    tokens = query_tokens(q, actor)
    if not tokens or connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM petitions_search WHERE petitions_search MATCH %s", [_fts5_query(tokens)]
        )
        return cursor.fetchone()[0]
