"""The IATI 2.03 activities schema as the pyIATI package ships it (the official XSD files of the IATI Standard,
`iati/resources/standard/2-03/schemas/`), and its codelists, for validating exports in tests."""

from __future__ import annotations

import functools
import importlib.metadata
import re
from pathlib import Path


def _resource(suffix: str) -> Path:
    files = [f for f in importlib.metadata.files("pyIATI") or [] if str(f).endswith(suffix)]
    if not files:
        raise RuntimeError(f"pyIATI does not ship {suffix}: install it with `pip install --no-deps pyIATI==0.4.1`")
    return Path(str(files[0].locate()))


@functools.cache
def activities_schema():
    import xmlschema

    return xmlschema.XMLSchema(str(_resource("standard/2-03/schemas/iati-activities-schema.xsd")))


@functools.cache
def codelist(name: str) -> frozenset[str]:
    text = _resource(f"standard/2-03/codelists/{name}.xml").read_text()
    return frozenset(re.findall(r"<code>([^<]+)</code>", text))
