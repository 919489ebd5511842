"""Split cells that a text extraction ran together, only where arithmetic admits exactly one reading.

Crawler text such as ``640020470`` for the cells 64/0/0/2/0/4/70 has lost the cell boundaries. Each
whitespace-separated token holds one or more whole cells. We enumerate every way to cut the tokens
into the expected number of cells (no leading zeros) and keep the readings that satisfy the
template's own identity for that row; a unique survivor is accepted, anything else is ambiguous.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache

from .templates import identities, table

MAX_DIGITS = 48  # longer runs are not enumerated (the count of readings explodes): ambiguous


def _cuts(token: str, k: int) -> Iterator[list[str]]:
    """All ways to cut ``token`` into ``k`` numbers without leading zeros."""
    if k == 1:
        if token and (token == "0" or token[0] != "0"):
            yield [token]
        return
    if not token:
        return
    # the first number: "0" alone, or a digit run not starting with 0
    max_len = 1 if token[0] == "0" else len(token) - (k - 1)
    for i in range(1, max_len + 1):
        for rest in _cuts(token[i:], k - 1):
            yield [token[:i], *rest]


def _readings(tokens: list[str], n: int) -> Iterator[list[str]]:
    if not tokens:
        if n == 0:
            yield []
        return
    first, rest = tokens[0], tokens[1:]
    min_rest = len(rest)
    max_rest = sum(len(t) for t in rest)
    for k in range(1, len(first) + 1):
        if not (min_rest <= n - k <= max_rest):
            continue
        for head in _cuts(first, k):
            for tail in _readings(rest, n - k):
                yield head + tail


def split_run(tokens: list[str], n: int, valid: Callable[[list[int]], bool] | None = None,
              cap: int = 512) -> tuple[list[str | None], int]:
    """Cut digit tokens into ``n`` cells.

    Returns the cells on which *every* reading that satisfies ``valid`` agrees (None where readings
    differ, all None when no reading is valid) and the number of valid readings (capped: a count
    above ``cap`` stops the search and leaves every cell None).

    >>> split_run(["640020470"], 7, lambda v: sum(v[:6]) == v[6])
    (['64', '0', '0', '2', '0', '4', '70'], 1)
    >>> split_run(["220000325"], 7, lambda v: sum(v[:6]) == v[6])  # 22+3 or 2+20+3: total is sure
    ([None, None, '0', '0', '0', '3', '25'], 2)
    >>> split_run(["693665"], 3)[0]
    [None, None, None]
    """
    unknown: list[str | None] = [None] * n
    if not tokens or any(not t.isdigit() for t in tokens) or sum(map(len, tokens)) > MAX_DIGITS:
        return unknown, 0
    agreed: list[str | None] | None = None
    count = 0
    for r in _readings(tokens, n):
        if valid is not None and not valid([int(x) for x in r]):
            continue
        count += 1
        if count > cap:
            return unknown, count
        agreed = list(r) if agreed is None else [a if a == b else None for a, b in zip(agreed, r)]
    return (agreed if agreed is not None else unknown), count


def readings(tokens: list[str], n: int, valid: Callable[[list[int]], bool] | None = None,
             cap: int = 64) -> list[list[int]] | None:
    """Every valid reading as integers, or None when there are more than ``cap``.

    >>> readings(["220000325"], 7, row_total_ok)
    [[2, 20, 0, 0, 0, 3, 25], [22, 0, 0, 0, 0, 3, 25]]
    """
    if not tokens or any(not t.isdigit() for t in tokens) or sum(map(len, tokens)) > MAX_DIGITS:
        return []
    out: list[list[int]] = []
    for r in _readings(tokens, n):
        v = [int(x) for x in r]
        if valid is None or valid(v):
            out.append(v)
            if len(out) > cap:
                return None
    return out


Key = tuple[str, str]


class RowCheck:
    """The template identities (:func:`discl.templates.identities`) that lie within one reading of cells, as
    (part positions, total positions); calling it tests a reading of integers."""

    def __init__(self, eqs: list[tuple[list[int], list[int]]]):
        self.eqs = eqs

    def __call__(self, v: list[int]) -> bool:
        return all(sum(v[i] for i in parts) == sum(v[i] for i in totals) for parts, totals in self.eqs)

    def state(self, values: list[float | None]) -> bool | None:
        """True/False when the printed cells satisfy/break the identities, None when it cannot be told:
        a missing total is never imputed, missing parts count as 0 (the checks' blank policy)."""
        state: bool | None = None
        for parts, totals in self.eqs:
            if any(values[i] is None for i in totals):
                continue
            if abs(sum(values[i] or 0 for i in parts) - sum(values[i] for i in totals)) > 1e-9:
                return False
            state = True
        return state


def keys_check(table_id: str, keys: list[Key]) -> RowCheck | None:
    """The test of a reading of the cells ``keys`` ((row, col) ids, in the order of the reading): every
    template identity whose cells all lie among them. None when no identity lies within them (nothing
    can confirm a reading).

    >>> ok = keys_check("requests", [("granted", c) for c in ("total", "natural_person", "commercial",
    ...                 "research", "social_org", "legal_service", "other_org")])
    >>> ok([3, 1, 0, 0, 0, 0, 2]), ok([3, 1, 0, 0, 0, 0, 1]), ok.state([None, 1, 0, 0, 0, 0, 2])
    (True, False, None)
    >>> keys_check("proactive", [("rules", "issued")]) is None
    True
    """
    return _keys_check(table_id, tuple(keys))


@lru_cache(maxsize=4096)  # the same rows recur in every report: the equations are worked out once
def _keys_check(table_id: str, keys: tuple[Key, ...]) -> RowCheck | None:
    pos = {k: i for i, k in enumerate(keys)}
    rows = list(dict.fromkeys(r for r, _ in keys))
    eqs: list[tuple[list[int], list[int]]] = []
    for ident in identities():
        if ident.table != table_id or ident.per == "col":
            continue
        for inst in ident.instances(rows=rows):
            if all(k in pos for k in inst.parts + inst.totals):
                eqs.append(([pos[k] for k in inst.parts], [pos[k] for k in inst.totals]))
    return RowCheck(eqs) if eqs else None


def _template_check(table_id: str, rows: list[str]) -> Callable[[list[int]], bool]:
    t = table(table_id)
    check = keys_check(table_id, [(r, c.id) for r in rows for c in t.columns()])
    assert check is not None
    return check


#: Table 三 in the template's column order: the six applicant cells sum to 总计 (T3-R3).
row_total_ok = _template_check("requests", ["granted"])
#: Table 四's 15 cells in the template's order: in each proceeding 总计 = the four outcomes (T4-R1..R3).
review_totals_ok = _template_check("review_litigation", [p.id for p in table("review_litigation").rows()])
