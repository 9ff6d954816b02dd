"""Safe XML: entity attacks refused fast, declared encodings honoured, BOMs stripped."""

from __future__ import annotations

import time

import pytest

from responders.intake import parse
from responders.intake.exceptions import UnreadableInput
from responders.intake.safexml import child_text, parse_xml

LOLS = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (f'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY lol0 "lol">{LOLS}]>'
                  '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
                  "<identifier>&lol9;</identifier></alert>").encode()
EXTERNAL = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>')


@pytest.mark.parametrize("fmt", ["auto", "cap", "gdacs"])
def test_billion_laughs_is_refused_quickly(fmt):
    started = time.perf_counter()
    with pytest.raises(UnreadableInput, match="DTD"):
        parse(BILLION_LAUGHS, fmt)
    assert time.perf_counter() - started < 0.5


def test_external_entity_is_refused():
    with pytest.raises(UnreadableInput):
        parse_xml(EXTERNAL)


def test_declared_latin1_and_bom():
    latin1 = '<?xml version="1.0" encoding="ISO-8859-1"?><a><b>Usulután</b></a>'.encode("latin-1")
    assert child_text(parse_xml(latin1), "b") == "Usulután"
    with_bom = b"\xef\xbb\xbf" + '<?xml version="1.0" encoding="utf-8"?><a><b>Zürich</b></a>'.encode()
    assert child_text(parse_xml(with_bom), "b") == "Zürich"
    # a BOM wins over a prolog that claims another encoding
    lying = b"\xef\xbb\xbf" + '<?xml version="1.0" encoding="ISO-8859-1"?><a><b>Zürich</b></a>'.encode()
    assert child_text(parse_xml(lying), "b") == "Zürich"


@pytest.mark.parametrize("encoding, text", [("windows-1252", "Sismo – fuerte €"), ("Shift_JIS", "地震"),
                                            ("UTF-16", "Séisme")])
def test_other_declared_encodings(encoding, text):
    body = f'<?xml version="1.0" encoding="{encoding}"?><a><b>{text}</b></a>'.encode(encoding)
    assert child_text(parse_xml(body), "b") == text


BAD_SHIFT_JIS = b'<?xml version="1.0" encoding="Shift_JIS"?><a>\xff</a>'


@pytest.mark.parametrize("body", [b"<a>", b"<a></b>", b"not xml", b'<?xml version="1.0" encoding="klingon"?><a/>',
                                  BAD_SHIFT_JIS])
def test_malformed_is_unreadable(body):
    with pytest.raises(UnreadableInput):
        parse_xml(body)
