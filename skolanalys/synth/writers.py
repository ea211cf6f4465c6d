"""CSV as Swedish school systems export it: ';', UTF-8 with BOM or cp1252, gzip for the big files."""

from __future__ import annotations

import gzip
import io
import queue
import threading
from pathlib import Path

import numpy as np
import polars as pl

UTF8_BOM = "utf-8-sig"
UTF8 = "utf-8"
CP1252 = "cp1252"


def write_csv(df: pl.DataFrame, path: Path, *, encoding: str = UTF8_BOM, separator: str = ";") -> int:
    """Write one file; returns its size in bytes. cp1252 files get Windows line endings, as Excel writes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == CP1252:
        path.write_bytes(df.write_csv(separator=separator, line_terminator="\r\n").encode(CP1252))
    else:
        df.write_csv(path, separator=separator, include_bom=encoding == UTF8_BOM)
    return path.stat().st_size


class GzipCsvWriter:
    """Stream DataFrame chunks into one gzip member (`.csv.gz`, UTF-8, ';').

    zlib releases the GIL, so a background thread compresses one chunk while the caller builds the next:
    on two cores that roughly halves the wall time of the attendance files. The gzip header carries no
    file name or time stamp, so the same input gives byte-identical files.
    """

    def __init__(self, path: Path, *, separator: str = ";", level: int = 1):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._raw = path.open("wb")
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=level, mtime=0)
        self._separator = separator
        self._header = True
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()
        self.rows = 0

    def _drain(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._gz.write(chunk)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def write(self, df: pl.DataFrame) -> None:
        if self._error is not None:
            raise self._error
        buf = io.BytesIO()
        df.write_csv(buf, separator=self._separator, include_header=self._header)
        self._header = False
        self.rows += df.height
        self._queue.put(buf.getbuffer())

    def close(self) -> int:
        self._queue.put(None)
        self._thread.join()
        self._gz.close()
        self._raw.close()
        if self._error is not None:
            raise self._error
        return self.path.stat().st_size

    def __enter__(self) -> GzipCsvWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def personnummer_forms(
    pnr12: np.ndarray, rng: np.random.Generator, short: float = 0.08, no_dash: float = 0.07
) -> pl.Series:
    """Mostly 'YYYYMMDD-NNNN', some 'YYMMDD-NNNN' and some 'YYYYMMDDNNNN', as different systems write it."""
    u = rng.random(len(pnr12))
    s = pl.col("p")
    return (
        pl.DataFrame({"p": pnr12, "u": u})
        .select(
            pl.when(pl.col("u") < short)
            .then(s.str.slice(2, 6) + "-" + s.str.slice(8))
            .when(pl.col("u") < short + no_dash)
            .then(s)
            .otherwise(s.str.slice(0, 8) + "-" + s.str.slice(8))
            .alias("personnummer")
        )
        .to_series()
    )


def kon_forms(girl: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """'Flicka'/'Pojke' mostly, sometimes 'K'/'M', sometimes empty (to be derived from the personnummer)."""
    u = rng.random(len(girl))
    long = np.where(girl, "Flicka", "Pojke")
    short = np.where(girl, "K", "M")
    out = pl.Series("kon", np.where(u < 0.07, short, long))
    return out.scatter(np.flatnonzero(u > 0.97), None)
