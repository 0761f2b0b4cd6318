"""Turn answer vectors into per-respondent counts and per-item matrices, vectorised.

An answer vector holds one character per single-choice item of a questionnaire: the option's
index in base 36, '.' where unanswered (``Questionnaire.encode_vector``). Decoding a million
of them is one numpy pass, with small lookup tables per questionnaire version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from questionnaires.model import VECTOR_DIGITS, Questionnaire

BLANK = 36  #: decoded index of an unanswered (or unreadable) item
_DECODE = np.full(256, BLANK, dtype=np.uint8)
for _i, _ch in enumerate(VECTOR_DIGITS):
    _DECODE[ord(_ch)] = _i


@dataclass(frozen=True)
class ItemLookup:
    """What each option index means, per choice item of one questionnaire version."""

    codes: tuple[str, ...]  #: choice item codes in vector order
    scored: np.ndarray  #: (k,) bool
    overall: int  #: position of the overall-satisfaction item
    recognised: np.ndarray  #: (k, 37) bool, column 36 = blank
    valid: np.ndarray  #: (k, 37) bool: answered and not "don't know"
    score: np.ndarray  #: (k, 37) float: option score ÷ the item's maximum, NaN if none

    @property
    def scored_codes(self) -> tuple[str, ...]:
        return tuple(c for c, s in zip(self.codes, self.scored, strict=True) if s)


def lookup(q: Questionnaire) -> ItemLookup:
    items = q.choice_items
    k = len(items)
    rec = np.zeros((k, BLANK + 1), bool)
    valid = np.zeros((k, BLANK + 1), bool)
    score = np.full((k, BLANK + 1), np.nan)
    for i, item in enumerate(items):
        top = item.max_score
        for j, opt in enumerate(item.options):
            rec[i, j] = opt.recognised
            valid[i, j] = not opt.dont_know
            if opt.score is not None and top and not opt.dont_know:
                score[i, j] = opt.score / top
    overall = next(i for i, it in enumerate(items) if it.overall)
    return ItemLookup(
        codes=tuple(it.code for it in items),
        scored=np.array([it.scored for it in items], bool),
        overall=overall,
        recognised=rec,
        valid=valid,
        score=score,
    )


def decode(vectors: Sequence[str | None] | pa.Array, k: int) -> np.ndarray:
    """(n, k) option indices; BLANK for unanswered, missing or unreadable positions.

    An Arrow string array (how pandas holds strings read from the database) whose values are
    all k ASCII characters is decoded straight from its data buffer, with no Python string.
    """
    if isinstance(vectors, pa.ChunkedArray):
        vectors = vectors.combine_chunks()
    if isinstance(vectors, pa.Array):
        whole = _whole_buffer(vectors, k)
        if whole is not None:
            return _DECODE[whole].reshape(len(vectors), k)
        vectors = vectors.to_pylist()
    n = len(vectors)
    if n == 0:
        return np.zeros((0, k), np.uint8)
    lengths = np.fromiter((len(v) if v else 0 for v in vectors), dtype=np.int64, count=n)
    if (lengths == k).all():
        joined = "".join(vectors)
    else:
        joined = "".join((v or "")[:k].ljust(k, ".") for v in vectors)
    raw = np.frombuffer(joined.encode("ascii", "replace"), dtype=np.uint8)
    return _DECODE[raw].reshape(n, k)


def _whole_buffer(values: pa.Array, k: int) -> np.ndarray | None:
    """The bytes of n values of exactly k bytes each, back to back; None if any differs."""
    n = len(values)
    if n == 0 or values.null_count or not pa.types.is_string(values.type):
        return None  # (large_string and others take the general path)
    if not pc.all(pc.equal(pc.binary_length(values), k)).as_py():
        return None  # a missing answer, an older shorter form, or a non-ASCII character
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset :]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)
    return data[offsets[0] : offsets[0] + n * k]


def row_ids(idx: np.ndarray) -> np.ndarray:
    """A 64-bit fingerprint of each row of option indices: equal answers, equal ids."""
    h = np.full(len(idx), 1469598103934665603, dtype=np.uint64)
    prime = np.uint64(1099511628211)
    with np.errstate(over="ignore"):
        for j in range(idx.shape[1]):
            h = (h ^ idx[:, j].astype(np.uint64)) * prime
    return h.view(np.int64)


@dataclass
class Scored:
    """Per-respondent counts over the scored items, and the per-item matrices behind them.

    The counts are summed item by item as the answers are scored; the (n, s) matrices are
    looked up from `choice` only when a per-item figure asks for them (the screening and the
    exports never do, and a million-row float matrix is the largest thing scoring would make).
    """

    codes: tuple[str, ...]  #: scored item codes (columns of the matrices)
    choice: np.ndarray  #: (n, s) option index per scored item
    table: ItemLookup  #: the questionnaire's lookups (rows of the scored items: `keep`)
    keep: slice | np.ndarray  #: the scored items' rows in the tables
    overall: np.ndarray  #: (n,) 1.0 recognised, 0.0 not, NaN invalid
    answer_id: np.ndarray  #: (n,) fingerprint of the whole answer vector
    rec: np.ndarray  #: (n,) scored items answered with a recognising option
    valid: np.ndarray  #: (n,) scored items answered (not "don't know")
    score_sum: np.ndarray  #: (n,) sum of the item scores
    score_n: np.ndarray  #: (n,) items with a score

    def _matrix(self, rows: np.ndarray) -> np.ndarray:
        positions = self.choice + (np.arange(self.choice.shape[1], dtype=np.intp) * (BLANK + 1))
        return np.take(rows[self.keep].ravel(), positions)

    @cached_property
    def item_rec(self) -> np.ndarray:
        """(n, s) bool: recognising option chosen."""
        return self._matrix(self.table.recognised)

    @cached_property
    def item_valid(self) -> np.ndarray:
        """(n, s) bool: answered, not "don't know"."""
        return self._matrix(self.table.valid)

    @cached_property
    def item_score(self) -> np.ndarray:
        """(n, s) float: the option's score ÷ the item's maximum, NaN where none."""
        return self._matrix(self.table.score)


def _columns(mask: np.ndarray):
    """A slice where the scored items are contiguous (they are: identity and grade items come
    first), so selecting them is a view and not a copy of a million-row matrix."""
    where = np.flatnonzero(mask)
    if len(where) and where[-1] - where[0] + 1 == len(where):
        return slice(int(where[0]), int(where[-1]) + 1)
    return where


def score(vectors: Sequence[str | None], table: ItemLookup) -> Scored:
    """Score answer vectors of one questionnaire version."""
    k = len(table.codes)
    idx = decode(vectors, k)
    n = len(idx)
    rec, valid, score_n = (np.zeros(n, np.int64) for _ in range(3))
    score_sum = np.zeros(n)
    points, has_points = np.nan_to_num(table.score), ~np.isnan(table.score)
    # item by item over (n,) vectors: no (n, k) matrix of positions or of scores is made
    for j in np.flatnonzero(table.scored):
        options = idx[:, j].astype(np.intp)
        rec += table.recognised[j].take(options)
        valid += table.valid[j].take(options)
        score_sum += points[j].take(options)
        score_n += has_points[j].take(options)
    o = table.overall
    chosen = idx[:, o].astype(np.intp)
    overall = np.where(
        table.valid[o].take(chosen), table.recognised[o].take(chosen).astype(float), np.nan
    )
    keep = _columns(table.scored)
    return Scored(
        codes=table.scored_codes,
        choice=idx[:, keep],
        table=table,
        keep=keep,
        overall=overall,
        answer_id=row_ids(idx),
        rec=rec,
        valid=valid,
        score_sum=score_sum,
        score_n=score_n,
    )
