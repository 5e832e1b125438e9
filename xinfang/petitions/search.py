"""Chinese full-text search over subject, content, petitioner names and number.

SQLite's tokenizers cannot find two-character Chinese words inside a run of Chinese, so text is
segmented with jieba (search mode: every word and its sub-words) into space-separated tokens,
stored in `SearchDocument`. On SQLite an external-content FTS5 table `petitions_search`, kept in
step by triggers, indexes those tokens; on PostgreSQL a GIN index over a 'simple' tsvector does.
The query is segmented the same way and every token must match.

Scope words (`xfo<id>`, `xfu<id>`, see `scope_tokens`) are added to every document; a word of
the petition's own text that either database's tokeniser would read as one is rewritten by
`_neutralise` (in the index and in the query alike), so text can never stand in for a scope.
"""

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from xinfang.accounts.permissions import sees_subtree

# Runs of letters and digits: the underscore splits words too, as SQLite's unicode61 and
# PostgreSQL's parser split at it.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# The one definition of a scope word's shape: `scope_tokens` writes such words, `SCOPE_TOKEN`
# finds them in a document, and `_neutralise` keeps the petition's text from producing one.
SCOPE_PREFIX = "xf"
SCOPE_KINDS = "ou"
SCOPE_TOKEN = re.compile(rf"^{SCOPE_PREFIX}[{SCOPE_KINDS}]\d+$")
# text words that are, once folded, a scope word with any number of x after the prefix; each
# gets one more x, which keeps distinct words distinct and makes none of them a scope word
_ESCAPABLE = re.compile(rf"{SCOPE_PREFIX}(x*[{SCOPE_KINDS}]\d+)")


def _fold(word: str) -> str:
    """`word` as a tokeniser may read it, or further: compatibility forms and accents dropped
    (unicode61 removes diacritics), case folded."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _neutralise(word: str) -> list[str]:
    """The pieces of `word` a tokeniser keeps whole, those shaped like a scope word rewritten."""
    pieces = []
    for piece in _WORD.findall(word):
        escapable = _ESCAPABLE.fullmatch(_fold(piece))
        pieces.append(f"{SCOPE_PREFIX}x{escapable.group(1)}" if escapable else piece)
    return pieces


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
            words.extend(_neutralise(chunk.lower()))
            continue
        for word in _jieba().cut_for_search(chunk):
            words.extend(_neutralise(word))
    return words


def scope_tokens(unit_path: str) -> list[str]:
    """Words that put a petition's registering unit into the index: `xfo<id>` for the unit itself
    and `xfu<id>` for it and every unit above it. A search adds the searcher's scope word, so the
    index alone answers "matches within my scope" (and counts them) without reading the table."""
    ids = [part for part in unit_path.split("/") if part]
    return [f"xfo{ids[-1]}", *(f"xfu{i}" for i in ids)] if ids else []


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


def text_tokens(subject: str, content: str) -> list[str]:
    """The words of a petition's subject and content: the costly part of its index entry (jieba),
    which registration computes before it takes the write lock."""
    return [*segment(subject), *segment(content)]


def document_tokens(
    *,
    number: str,
    subject: str,
    content: str,
    names: list[str],
    unit_path: str,
    handling_path: str = "",
    text: list[str] | None = None,
) -> str:
    """The index entry of a petition; `text` is `text_tokens(subject, content)` if computed already."""
    parts = [
        *segment(number),
        *(text if text is not None else text_tokens(subject, content)),
        *scope_tokens_of(unit_path, handling_path),
    ]
    for name in names:
        parts.extend(_neutralise(name))  # the whole name, as the tokeniser splits it
        parts.extend(segment(name))
    return " ".join(parts)


_SUSPECT = re.compile(r"[^\x00-\x7f\u3400-\u4dbf\u4e00-\u9fff]|_")


def reindex_tokens(tokens: str, unit_path: str, handling_path: str) -> str:
    """A document stored before text was neutralised, as `document_tokens` writes it now: its
    own scope words kept, every other word neutralised. Returns `tokens` itself when nothing
    changes (most rows: only the scope words contain "xf", and no character needs folding)."""
    own = scope_tokens_of(unit_path, handling_path)
    if not _SUSPECT.search(tokens) and tokens.casefold().count(SCOPE_PREFIX) == len(own):
        return tokens
    keep = Counter(own)
    words: list[str] = []
    for word in tokens.split(" "):
        if keep[word] > 0:
            keep[word] -= 1
            words.append(word)
        elif word:
            words.extend(_neutralise(word))
    return " ".join(words)


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
