"""Where queries run: the embedded store under build/, or a remote SPARQL 1.1 endpoint.

Both take the same validated inputs and give the same kind of answer -- SPARQL 1.1 Query
Results JSON for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE -- so that the
formatting downstream cannot tell them apart, and the same data gives the same rows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class Answer:
    """A query's answer in a neutral form: in memory, or in a file when it is large, so
    that writing it out streams instead of holding every row."""

    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    body: bytes | Path
    """SPARQL Results JSON (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE)."""

    @property
    def data(self) -> bytes:
        """The whole answer as bytes."""
        return self.body if isinstance(self.body, bytes) else self.body.read_bytes()

    def open(self) -> IO[bytes]:
        """The answer as a binary stream, read as it goes."""
        return io.BytesIO(self.body) if isinstance(self.body, bytes) else self.body.open("rb")
