"""Reading uploaded files: encodings, delimiters, Excel, and the files that must be refused.
Pure functions: no database."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from voc.ingest import parsing
from voc.ingest.mapping import derived_external_id, guess_mapping, parse_when
from voc.ingest.parsing import ImportFileError, decode_text, file_format_for, read_table, sniff_delimiter


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in English, whatever language an earlier test left active.
    with translation.override("en"):
        yield


TEXT = "id;fecha;puntuación;comentario\n1;01/03/2025 10:30;9;Atención rápida y amable\n2;02/03/2025;3;Esperé mucho\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])
def test_common_encodings_decode_to_the_same_text(encoding):
    text, detected = decode_text(TEXT.encode(encoding))
    assert text.lstrip("\ufeff") == TEXT
    table = read_table(TEXT.encode(encoding), "csv")
    assert table.headers == ["id", "fecha", "puntuación", "comentario"]
    assert [line for line, _values in table.rows] == [2, 3]
    assert table.rows[0][1][3] == "Atención rápida y amable"
    assert table.delimiter == ";"
    assert detected


def test_cp1252_specific_characters_are_read_as_cp1252():
    # “smart quotes” and € only exist in Windows-1252, not in Latin-1.
    data = "id,comment\n1,“Great” service – 5€\n".encode("cp1252")
    table = read_table(data, "csv")
    assert table.encoding == "cp1252"
    assert table.rows[0][1][1] == "“Great” service – 5€"


@pytest.mark.parametrize(("sample", "expected"), [
    ("a,b,c\n1,2,3\n", ","), ("a;b;c\n1;2,5;3\n", ";"), ("a\tb\tc\n1\t2\t3\n", "\t"), ("a|b\n1|2\n", "|"),
    ('a,b\n"x;y",2\n', ","), ("single\n1\n", ","),
])
def test_delimiter_sniffing(sample, expected):
    assert sniff_delimiter(sample) == expected


def test_quoted_fields_may_span_lines_and_keep_their_start_line():
    data = b'id,comment,score\n1,"line one\nline two",9\n2,ok,7\n'
    table = read_table(data, "csv")
    assert table.rows[0] == (2, ["1", "line one\nline two", "9"])
    assert table.rows[1][0] == 4


def test_blank_lines_are_skipped_but_line_numbers_stay_true():
    table = read_table(b"id,score\n\n1,9\n\n2,8\n", "csv")
    assert [line for line, _v in table.rows] == [3, 5]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"id,score\n", "no data rows"),
    (b'id,score\n1,"unterminated\n', "not well-formed CSV"),
    (b'id,score\n1,"a"b\n', "not well-formed CSV"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, "binary"),
    (b"PK\x03\x04\x14\x00\x00\x00" + b"\x00" * 100, "ZIP"),
    (b"\xef\xbb\xbfid,score\n\xff\xfe,1\n", "not valid"),
])
def test_unreadable_csv_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ImportFileError) as exc:
        read_table(data, "csv")
    assert message in str(exc.value)


def test_size_and_row_limits(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    with pytest.raises(ImportFileError) as exc:
        read_table(b"id\n1\n2\n3\n4\n", "csv")
    assert "more than 3 rows" in str(exc.value)
    monkeypatch.setattr(parsing, "MAX_BYTES", 10)
    with pytest.raises(ImportFileError) as exc:
        read_table(b"id,score\n1,9\n", "csv")
    assert "larger than" in str(exc.value)


@pytest.mark.parametrize(("name", "expected"), [
    ("survey.csv", "csv"), ("SURVEY.CSV", "csv"), ("export.txt", "csv"), ("book.xlsx", "xlsx"),
])
def test_file_format_from_name(name, expected):
    assert file_format_for(name) == expected


@pytest.mark.parametrize(("name", "message"), [
    ("old.xls", "Save the sheet as"), ("slides.pdf", "Upload a CSV"), ("noextension", "Upload a CSV"),
])
def test_other_file_types_are_refused(name, message):
    with pytest.raises(ImportFileError) as exc:
        file_format_for(name)
    assert message in str(exc.value)


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_is_read_with_typed_cells():
    data = _xlsx([
        ["Respuesta ID", "Fecha", "Puntuación", "Comentario"],
        ["r-1", dt.datetime(2025, 3, 1, 10, 30), 9, "Muy bien"],
        [None, None, None, None],
        ["r-2", dt.datetime(2025, 3, 2, 8, 0), 7.0, None],
    ])
    table = read_table(data, "xlsx")
    assert table.headers == ["Respuesta ID", "Fecha", "Puntuación", "Comentario"]
    assert table.rows[0] == (2, ["r-1", dt.datetime(2025, 3, 1, 10, 30), 9, "Muy bien"])
    assert table.rows[1][0] == 4
    assert table.rows[1][1][2] == 7  # 7.0 from Excel is the whole number 7


def test_a_csv_renamed_xlsx_is_refused():
    with pytest.raises(ImportFileError) as exc:
        read_table(b"id,score\n1,9\n", "xlsx")
    assert "not an Excel workbook" in str(exc.value)


def test_headers_are_guessed_in_english_and_spanish():
    english = guess_mapping(["Response ID", "Touchpoint", "Metric", "Score", "Date", "Source", "Comment",
                             "Customer ID"])
    assert english == {"external_id": 0, "touchpoint": 1, "metric": 2, "score": 3, "submitted_at": 4, "source": 5,
                       "comment": 6, "customer_ref": 7}
    spanish = guess_mapping(["ID respuesta", "Punto de contacto", "Métrica", "Puntuación", "Fecha", "Fuente",
                             "Comentarios", "Cliente"])
    assert spanish == english
    assert guess_mapping(["foo", "bar"]) == dict.fromkeys(english)


def test_dates_in_common_forms_are_read_in_the_given_zone():
    from zoneinfo import ZoneInfo

    madrid = ZoneInfo("Europe/Madrid")
    expected = dt.datetime(2025, 3, 1, 10, 30, tzinfo=madrid)
    for value in ("2025-03-01 10:30", "2025-03-01T10:30:00", "01/03/2025 10:30", "01-03-2025 10:30",
                  dt.datetime(2025, 3, 1, 10, 30)):
        assert parse_when(value, madrid) == expected, value
    assert parse_when("2025-03-01T10:30:00+00:00", madrid) == dt.datetime(2025, 3, 1, 10, 30, tzinfo=dt.UTC)
    assert parse_when("01/03/2025", madrid) == dt.datetime(2025, 3, 1, tzinfo=madrid)
    assert parse_when("yesterday", madrid) is None
    assert parse_when("2025-13-45", madrid) is None


def test_derived_ids_are_stable_per_file_and_line():
    assert derived_external_id("ab" * 32, 7) == derived_external_id("ab" * 32, 7)
    assert derived_external_id("ab" * 32, 7) != derived_external_id("ab" * 32, 8)
    assert derived_external_id("ab" * 32, 7) != derived_external_id("cd" * 32, 7)
