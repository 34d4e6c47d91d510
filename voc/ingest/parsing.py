"""Reading an uploaded feedback file into a header and rows, refusing what cannot be read.

CSV files arrive from spreadsheets and survey tools in many encodings; the detection order is
byte-order marks (UTF-8, UTF-16, UTF-32), UTF-16 without a mark (recognised by its NUL pattern),
strict UTF-8, Windows-1252 and finally Latin-1 (which decodes anything, so the binary check after it
is what refuses a PNG renamed ``.csv``). The delimiter is chosen among ``, ; TAB |`` by which one
splits the first lines into the same, largest number of columns. Excel files are read with
openpyxl in read-only mode, first sheet, values only.

Every problem with the file as a whole raises ``ImportFileError`` with a message for the person who
uploaded it; problems with single rows are left to the mapping step, which reports them per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
DELIMITERS = (",", ";", "\t", "|")
SNIFF_LINES = 20

FORMATS = {"csv": "csv", "txt": "csv", "tsv": "csv", "xlsx": "xlsx"}


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, for the uploader."""


@dataclass
class Table:
    """A file read into memory: column ``headers`` and ``rows`` as (original line number, values).

    Values are strings for CSV; for Excel they are what the cell holds (str, int, float, Decimal,
    datetime, date, bool) or "" for an empty cell.
    """

    file_format: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""


def file_format_for(name: str) -> str:
    """"csv" or "xlsx" from the file name; anything else is refused with a message that helps."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext in FORMATS:
        return FORMATS[ext]
    if ext in ("xls", "xlsm", "ods", "numbers"):
        raise ImportFileError(_(
            "“.%(ext)s” files cannot be read. Save the sheet as Excel workbook (.xlsx) or CSV and upload that."
        ) % {"ext": ext})
    raise ImportFileError(_("Upload a CSV (.csv) or Excel (.xlsx) file."))


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB; split it into smaller files.") % {
            "mb": MAX_BYTES // (1024 * 1024)
        })


def read_table(data: bytes, file_format: str, *, limit: int | None = None) -> Table:
    """Read the file (header and every row, or the first ``limit`` rows); raises ``ImportFileError``
    when it cannot. Reading everything is how an upload is checked before anything is stored."""
    check_size(len(data))
    if file_format == "xlsx":
        return _read_xlsx(data, limit)
    return _read_csv(data, limit)


# --- CSV --------------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name) of CSV bytes; raises ``ImportFileError`` for binary content."""
    if data[:4] == b"PK\x03\x04":
        raise ImportFileError(_(
            "This file is a ZIP archive (an Excel workbook, perhaps) with a .csv name. Upload it as .xlsx, "
            "or save it as CSV first."
        ))
    text = encoding = None
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                text, encoding = data.decode(name), name
            except UnicodeDecodeError as exc:
                raise ImportFileError(_("The file starts like %(enc)s text but is not valid %(enc)s.") % {
                    "enc": name.upper()
                }) from exc
            break
    if text is None and b"\x00" in data[:4096]:
        sample = data[:4096]
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) / 2
        # UTF-16 text of mostly Latin characters has a NUL in every other byte.
        guess = "utf-16-le" if odd_nuls > 0.6 * half else "utf-16-be" if even_nuls > 0.6 * half else None
        if guess is not None:
            try:
                text, encoding = data.decode(guess), "utf-16"
            except UnicodeDecodeError:
                text = None
    if text is None:
        for name in ("utf-8", "cp1252", "latin-1"):
            try:
                text, encoding = data.decode(name), name
                break
            except UnicodeDecodeError:
                continue
    assert text is not None and encoding is not None  # latin-1 decodes any bytes
    controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\t\r\n\f" or 0x7F <= ord(ch) < 0xA0)
    if "\x00" in text or controls > max(2, len(text[:65536]) // 200):
        raise ImportFileError(_(
            "This does not look like a text CSV file (it holds binary content). Upload a CSV or .xlsx file."
        ))
    return text, encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently."""
    lines = [line for line in text.splitlines()[:SNIFF_LINES * 3] if line.strip()][:SNIFF_LINES]
    if not lines:
        return ","
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        head = widths[0]
        if head < 2:
            continue
        score = (sum(1 for w in widths if w == head), head)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, limit: int | None = None) -> Table:
    text, encoding = decode_text(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    line = 1
    try:
        for record in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if headers is None:
                headers = [cell.strip() for cell in record]
                continue
            rows.append((start, record))
            if limit is not None and len(rows) >= limit:
                break
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(n)s rows; split it into smaller files.") % {
                    "n": f"{MAX_ROWS:,}"
                })
    except csv.Error as exc:
        raise ImportFileError(_(
            "The file is not well-formed CSV near line %(line)d (%(error)s). Check the quotes on that line."
        ) % {"line": reader.line_num, "error": exc}) from exc
    return _table("csv", headers, rows, encoding=encoding, delimiter=delimiter)


def _table(file_format: str, headers: list[str] | None, rows: list, **extra: str) -> Table:
    if headers is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    named = [h or _("Column %(n)d") % {"n": i + 1} for i, h in enumerate(headers)]
    return Table(file_format=file_format, headers=named, rows=rows, **extra)


# --- Excel ------------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime | dt.date | int | bool | Decimal):
        return value
    return str(value)


def _read_xlsx(data: bytes, limit: int | None = None) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(_("This is not an Excel workbook (.xlsx). Upload a real .xlsx file or a CSV file."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, SyntaxError,
            TypeError, EOFError) as exc:
        raise ImportFileError(_("This Excel file cannot be read (%(error)s). Save it again as .xlsx.") % {
            "error": exc.__class__.__name__
        }) from exc
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise ImportFileError(_("The workbook has no sheets."))
        headers: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(_iter_sheet(sheet), start=1):
            cells = [_cell(v) for v in values]
            if not any(str(c).strip() for c in cells):
                continue
            if headers is None:
                headers = [str(c).strip() for c in cells]
                while headers and not headers[-1]:
                    headers.pop()
                continue
            rows.append((number, cells))
            if limit is not None and len(rows) >= limit:
                break
            if len(rows) > MAX_ROWS:
                raise ImportFileError(_("The file has more than %(n)s rows; split it into smaller files.") % {
                    "n": f"{MAX_ROWS:,}"
                })
    except ImportFileError:
        raise
    except (SyntaxError, zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        # The sheet is read lazily: a corrupt sheet (broken XML, damaged compression) fails only here.
        # SyntaxError covers the XML parsers' ParseError / XMLSyntaxError.
        raise ImportFileError(_("This Excel file cannot be read (%(error)s). Save it again as .xlsx.") % {
            "error": exc.__class__.__name__
        }) from exc
    finally:
        workbook.close()
    return _table("xlsx", headers, rows)


def _iter_sheet(sheet: Any) -> Iterator[tuple[Any, ...]]:
    yield from sheet.iter_rows(values_only=True)
