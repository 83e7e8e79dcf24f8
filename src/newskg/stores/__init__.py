"""Where queries run: the embedded store under build/, or a remote SPARQL 1.1 endpoint.

Both take the same validated inputs and give the same kind of answer -- SPARQL 1.1 Query
Results JSON for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE -- so that the
formatting downstream cannot tell them apart, and the same data gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """A query's answer in a neutral form."""

    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    data: bytes
    """SPARQL Results JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE)."""
