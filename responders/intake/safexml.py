"""Safe XML reading: defusedxml with DTDs and entities forbidden, prolog encodings honoured, BOM stripped."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from responders.intake.exceptions import UnreadableInput
from responders.intake.text import UTF8_BOM, clean

MAX_XML_BYTES = 64 * 1024 * 1024
_PROLOG = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_EXPAT_NATIVE = {"utf-8", "utf-16", "utf-16-le", "utf-16-be", "iso8859-1", "latin-1", "ascii"}


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _prepare(data: bytes) -> bytes:
    """Strip a UTF-8 BOM and transcode to UTF-8 any declared encoding expat cannot read itself."""
    had_bom = data.startswith(UTF8_BOM)
    if had_bom:
        data = data[len(UTF8_BOM):]
    match = _PROLOG.match(data[:1024])
    if not match:
        return data
    label = match.group(1).decode("ascii")
    codec = _codec_name(label)
    if codec is None:
        raise UnreadableInput(f"XML declares an unknown encoding {label!r}")
    if had_bom:
        # The BOM says UTF-8 whatever the prolog claims; make the prolog agree.
        return data[: match.start(1)] + b"utf-8" + data[match.end(1):]
    if codec in _EXPAT_NATIVE:
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as exc:
        raise UnreadableInput(f"XML is not valid {label}: {exc}") from exc
    body = text.encode("utf-8")
    match = _PROLOG.match(body[:1024])
    return body[: match.start(1)] + b"utf-8" + body[match.end(1):] if match else body


def parse_xml(data: bytes) -> Element:
    """Parse an XML document safely; UnreadableInput if it is not well-formed or uses a DTD/entities."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise UnreadableInput(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_XML_BYTES:
        raise UnreadableInput(f"XML body larger than {MAX_XML_BYTES} bytes")
    body = _prepare(data)
    try:
        return SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnreadableInput(f"XML with a DTD or entity declarations is refused ({type(exc).__name__})") from exc
    except ParseError as exc:
        raise UnreadableInput(f"not well-formed XML: {exc}") from exc
    except (ValueError, LookupError, UnicodeError) as exc:
        raise UnreadableInput(f"XML cannot be decoded: {exc}") from exc


def local(tag: object) -> str:
    """The local name of an element tag ('{ns}name' -> 'name'); '' for comments and PIs."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(tag: object) -> str:
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].split("}", 1)[0]


def children(elem: Element, name: str) -> Iterator[Element]:
    """Direct children with this local name, in any namespace."""
    return (child for child in elem if local(child.tag) == name)


def child(elem: Element, name: str) -> Element | None:
    return next(children(elem, name), None)


def child_text(elem: Element, name: str) -> str:
    """Cleaned text of the first direct child with this local name ('' when absent)."""
    found = child(elem, name)
    return clean(found.text) if found is not None else ""
