"""The catalogue's search index: words of a course's title, short description, description
and tags, folded (lower case, accents removed) and cut into prefixes, stored on the course
itself as the keys of a map (`search_index`: token -> true), so finding the courses holding
a token is one equality on one field (`search_index.<token> == true`, a single-field
index) instead of a scan of the catalogue.

"typesc" finds "TypeScript" because the words of the title, tags, short description and
category are stored with each of their prefixes (2 characters and more); the description's
words are stored whole. Matching courses are ranked by where each searched word was
found: a whole title word counts most, then a title prefix, a tag, a description word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

MIN_PREFIX = 2
MAX_WORD = 24  # longer words are indexed by their first 24 characters
MAX_TOKENS = 1500  # per course: Firestore indexes each array value; the catalogue's words come first
_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents: "Café Ünïcode" -> "cafe unicode"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(text: str | None) -> list[str]:
    return [w[:MAX_WORD] for w in _WORD.findall(fold(text or ""))]


def prefixes(word: str) -> list[str]:
    return [word[:n] for n in range(MIN_PREFIX, len(word) + 1)] if len(word) >= MIN_PREFIX else [word]


def tokens(fields: Iterable[str | None]) -> list[str]:
    """Every prefix of every word of the fields, in order of first appearance, at most MAX_TOKENS."""
    seen: dict[str, None] = {}
    for text in fields:
        for word in words(text):
            for prefix in prefixes(word):
                seen.setdefault(prefix, None)
                if len(seen) >= MAX_TOKENS:
                    return list(seen)
    return list(seen)


def course_tokens(course: Any) -> list[str]:
    """Prefixes of the words of the title, tags, short description and category; the long
    description's words whole (its prefixes would multiply the index for little gain)."""
    tags = " ".join(course.tags or [])
    found = tokens([course.title, tags, course.short_description, course.category])
    seen = dict.fromkeys(found)
    for word in words(course.description):
        if len(seen) >= MAX_TOKENS:
            break
        seen.setdefault(word, None)
    return list(seen)


def query_words(search: str) -> list[str]:
    return list(dict.fromkeys(words(search)))


def rank(course: dict[str, Any], searched: list[str], matched: Iterable[str] = ()) -> float | None:
    """How well the course matches every searched word (as a word or a word's prefix); None: it does not.

    Title and tags are read from the course; the other words it holds come in `matched`.
    """
    title = words(course.get("title"))
    tags = words(" ".join(course.get("tags") or []))
    indexed = set(matched)
    score = 0.0
    for wanted in searched:
        if wanted in title:
            score += 4
        elif any(w.startswith(wanted) for w in title):
            score += 3
        elif any(w.startswith(wanted) for w in tags):
            score += 2
        elif wanted in indexed:
            score += 1
        else:
            return None
    return score
