"""The AsyncAPI document lists every event type the code emits: string constants of the form rrc.<family>.<name>
anywhere in the source (topic names and logger names aside) and the event enums."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from config.topics import ALL_TOPICS
from responders.plans.models import PlanEventType
from streams.asyncapi import EVENT_CATALOG, asyncapi_document
from responders.crises.models import CrisisEventType

ROOT = Path(__file__).resolve().parents[3]
EVENT_RE = re.compile(r"^rrc\.[a-z_]+\.[a-z_]+$")


def emitted_types() -> set[str]:
    topics = {t.name for t in ALL_TOPICS}
    found: set[str] = set()
    for package in ("streams", "responders", "api", "cli", "config"):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            loggers = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
                       and getattr(node.func, "attr", getattr(node.func, "id", None)) == "getLogger"
                       for arg in node.args}
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in loggers:
                    if EVENT_RE.match(node.value) and node.value not in topics:
                        found.add(node.value)
    return found | {t.value for t in CrisisEventType} | {t.value for t in PlanEventType}


def test_every_emitted_event_type_is_documented():
    types = emitted_types()
    assert {"rrc.crisis.opened", "rrc.deployment.requested", "rrc.role.filled", "rrc.delivery.warning"} <= types
    missing = types - set(EVENT_CATALOG)
    assert not missing, f"event types missing from the AsyncAPI catalog: {sorted(missing)}"


def test_the_document_is_asyncapi_3_with_resolvable_references():
    doc = asyncapi_document()
    assert doc["asyncapi"] == "3.0.0"
    names = {m["name"] for m in doc["components"]["messages"].values()}
    assert set(EVENT_CATALOG) <= names
    text = repr(doc)
    for ref in re.findall(r"'\$ref': '#/components/(\w+)/([^']+)'", text):
        kind, name = ref
        assert name in doc["components"][kind], ref
    for ref in re.findall(r"'\$ref': '#/channels/([^']+)'", text):
        assert ref in doc["channels"]
    public = doc["channels"]["responseEvents"]["messages"]
    assert "rrc_deployment_requested" in public and "rrc_plan_revised" not in public


def test_the_official_asyncapi_parser_reports_no_errors(tmp_path):
    """@asyncapi/parser from npm (tests/node, installed by `make test`; installed here when missing)."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from streams.asyncapi import asyncapi_document

    tools = Path(__file__).resolve().parents[2] / "node"
    node = shutil.which("node")
    assert node, "Node.js is needed for @asyncapi/parser"
    if not (tools / "node_modules" / "@asyncapi" / "parser").is_dir():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], cwd=tools, check=True,
                       timeout=600)
    document = tmp_path / "asyncapi.json"
    document.write_text(json.dumps(asyncapi_document()))
    out = subprocess.run([node, str(tools / "parse_asyncapi.mjs"), str(document)], capture_output=True, text=True,
                         timeout=120, check=True)
    report = json.loads(out.stdout)
    assert report["parsed"] and report["errors"] == 0, report["diagnostics"]
