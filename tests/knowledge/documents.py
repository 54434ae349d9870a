"""Documents built by the tests themselves: PDFs written by hand (and
encrypted with pypdf), DOCX with python-docx or straight XML (large and
zip-bomb-like ones), Markdown, HTML and text."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

GPL_PATH = Path("/usr/share/common-licenses/GPL-3")


def _pdf_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"({escaped})"


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A valid PDF with one text line per entry, Helvetica 11 pt, A4."""
    objects: list[bytes] = []
    page_ids = [4 + 2 * i for i in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>"
    )
    for index, lines in enumerate(pages):
        content_id = page_ids[index] + 1
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
            ).encode()
        )
        ops = ["BT", "/F1 11 Tf", "14 TL", "56 790 Td"]
        for line in lines:
            ops.append(f"{_pdf_string(line)} Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"
        )
    info_id = None
    if title is not None:
        objects.append(f"<< /Title {_pdf_string(title)} >>".encode("cp1252"))
        info_id = len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    trailer = f"<< /Size {len(objects) + 1} /Root 1 0 R"
    if info_id is not None:
        trailer += f" /Info {info_id} 0 R"
    out.write(f"trailer\n{trailer} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypt_pdf(data: bytes, password: str = "s3cret-pass") -> bytes:  # noqa: S107
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(
    paragraphs: list[tuple[str, int]],
    title: str | None = None,
    page_breaks: bool = False,
) -> bytes:
    """(text, heading level) pairs; level 0 is body text."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    if title:
        document.core_properties.title = title
    for text, level in paragraphs:
        if level:
            if page_breaks and level == 1 and document.paragraphs:
                document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
            document.add_heading(text, level=level)
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


MARKET_PAGES = [
    [
        "PLANT MILK MARKET IN POLAND",
        "1. Consumers",
        "In 2025 about 34% of consumers aged 18-34 in Warsaw bought oat milk "
        "every week.",
        "Young urban women are the core buyers of plant-based drinks.",
    ],
    [
        "2. Prices",
        "Oat milk costs on average 9.90 PLN per litre in Biedronka stores.",
        "Price sensitivity is highest among students in Krakow.",
    ],
    [
        "3. Brands",
        "Alpro Polska and Oatly Sweden compete for the premium segment.",
        "Private labels of Lidl Polska grew by 12% in one year.",
    ],
]


def docx_from_paragraphs(paragraphs: Iterable[str], repeat_xml: int = 1) -> bytes:
    """A .docx whose body is the given paragraphs, written straight into
    `word/document.xml` (python-docx takes seconds for tens of thousands).
    `repeat_xml` repeats the body that many times while streaming it into the
    archive, so a small file can unpack to hundreds of megabytes."""
    skeleton = zipfile.ZipFile(io.BytesIO(make_docx([("skeleton", 0)])))
    original = skeleton.read("word/document.xml").decode()
    head, _, rest = original.partition("<w:body>")
    _, _, tail = rest.partition("<w:sectPr")
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in paragraphs
    ).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in skeleton.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info.filename, skeleton.read(info.filename))
                continue
            with archive.open("word/document.xml", "w", force_zip64=True) as member:
                member.write((head + "<w:body>").encode())
                for _ in range(repeat_xml):
                    member.write(body)
                member.write(("<w:sectPr" + tail).encode())
    return out.getvalue()


def gpl_paragraphs() -> list[str]:
    """The paragraphs of the real GPL-3 text shipped with Debian."""
    text = GPL_PATH.read_text()
    return [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]


def gpl_bytes() -> bytes:
    """The real GPL-3 text file, as uploaded."""
    return GPL_PATH.read_bytes()
