"""Property-based fuzzing of the running API from its own /openapi.json (schemathesis 4): no input, valid or
not, makes any operation answer 5xx. Bounded by a fixed number of examples per operation and generation mode (no timing assertion)."""

from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import positive_data_acceptance

from responders.roster import generate_roster
from vocabulary.pagination import encode_cursor
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def _import_all(package) -> None:
    """Import every module of `package` now, at collection, not lazily inside a test: Python 3.11's compiler keeps
    one AST recursion counter per interpreter, and a module compiled while another thread compiles too fails with
    "SystemError: AST constructor recursion depth mismatch" (CPython gh-106905; seen once in CI, when schemathesis
    imported its JSON-schema patterns lazily mid-test)."""
    import importlib
    import pkgutil

    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        try:
            importlib.import_module(module.name)
        except ImportError:  # optional extras of the package
            pass


_import_all(schemathesis)


def _parse_lambdas_now(package) -> None:
    """Parse, at collection, the modules of `package` whose lambdas Hypothesis may describe mid-draw. Hypothesis
    builds a strategy's repr while it validates it (a recursive strategy, the first time a draw reaches it) and
    describes each lambda by parsing its module's source; that `ast.parse`, deep inside a draw, failed once in CI
    with "AST constructor recursion depth mismatch" (CPython gh-106905, on 3.11.7). Hypothesis 6.170 keeps parsed
    sources in `lambda_sources.AST_LAMBDAS_CACHE` (100 of them), keyed by the lines `inspect.findsource` reads."""
    import ast
    import linecache
    from pathlib import Path

    from hypothesis.internal import lambda_sources

    root = Path(package.__file__).parent
    for path in [*(root / "generation").rglob("*.py"), *(root / "specs" / "openapi").rglob("*.py")]:
        lines = tuple(linecache.getlines(str(path)))
        if any("lambda" in line for line in lines):
            tree = ast.parse("".join(lines))
            lambda_sources.AST_LAMBDAS_CACHE[lines] = lambda_sources.extract_all_lambdas(tree)


_parse_lambdas_now(schemathesis)

EXAMPLES = {GenerationMode.POSITIVE: 30, GenerationMode.NEGATIVE: 20}
SEED = 20261201
# an endless SSE stream cannot be fuzzed with one-shot requests; /health takes no input and answers 503 by design
# whenever its broker probe is slow
SKIPPED_PATHS = ("/v1/events/stream", "/health")


@pytest.fixture(scope="module")
def seeded(server, shared_data):
    """Some crises, experts and partners, so filters and lookups run over real rows, not an empty system."""
    admin = server.client(server.token("admin"))
    feed = (shared_data / "gdacs" / "gdacs_rss_2019-12-30.xml").read_bytes()
    assert admin.post("/v1/signals/feed", params={"format": "gdacs"}, content=feed).status_code == 202
    experts, partners = generate_roster(5, 3, seed=5)
    for path, records in (("/v1/experts", experts), ("/v1/partners", partners)):
        for record in records:
            assert admin.post(path, json=record.model_dump(mode="json")).status_code == 201
    wait_until(lambda: admin.get("/v1/crises").json(), lambda page: page["total"] >= 1, what="crises")
    return server


def test_no_generated_input_gets_a_server_error(seeded):
    server = seeded
    headers = {"Authorization": f"Bearer {server.token('admin')}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=15)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path not in SKIPPED_PATHS]
    assert {op.label for op in operations} >= {"POST /v1/experts", "PATCH /v1/experts/{record_id}",
                                              "POST /v1/signals", "GET /v1/audit", "GET /v1/crises"}
    server_errors: list[str] = []
    unsatisfiable: list[str] = []
    calls = 0
    started = time.monotonic()

    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @seed(SEED)  # the same examples wherever the suite runs (derandomize would seed from the file's path)
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def fuzz(case) -> None:
                nonlocal calls
                calls += 1
                response = case.call(base_url=server.url, headers=headers, timeout=15)
                if response.status_code >= 500:
                    server_errors.append(f"{operation.label} [{mode.value}] -> {response.status_code} "
                                         f"{response.text[:200]!r}\n    reproduce: {case.as_curl_command(headers)}")

            try:
                fuzz()
            except Unsatisfiable:
                # nothing of this operation can be made invalid (e.g. no parameters and no body)
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid input can be generated"
                unsatisfiable.append(operation.label)
    elapsed = time.monotonic() - started
    print(f"{calls} calls over {len(operations)} operations in {elapsed:.1f}s; no negative inputs for "
          f"{unsatisfiable or 'none'}")
    assert not server_errors, f"{len(server_errors)} server errors:\n" + "\n".join(server_errors[:20])
    assert calls >= len(operations) * 10, f"only {calls} calls over {len(operations)} operations"


def test_inputs_that_used_to_get_server_errors(seeded):
    """Found while fuzzing (or next to it): each answered 500 before its fix; now the caller's error, 4xx."""
    admin = seeded.client(seeded.token("admin"))
    r = admin.post("/v1/experts/import", content=b">", headers={"Content-Type": "text/csv"})
    assert r.status_code == 422 and "unknown CSV columns" in r.json()["detail"]
    r = admin.post("/v1/partners/import", content=b"\xff\xfe{", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    r = admin.patch("/v1/partners/p-any", json={"contact": {"email": {"not": "a string"}}})
    assert r.status_code == 422 and "contact.email" in r.json()["detail"]
    r = admin.get("/v1/crises", params={"since": "2019-01-01T00:00:00"})  # no zone: taken as UTC
    assert r.status_code == 200 and r.json()["total"] >= 1
    for path in ("/v1/crises", "/v1/experts", "/v1/partners", "/v1/audit"):
        r = admin.get(path, params={"cursor": encode_cursor([None])})  # compares with no list's keys
        assert r.status_code == 400 and r.json()["error"] == "bad_request", (path, r.text)


# positive_data_acceptance ("a schema-valid request must succeed") is left out: the domain validates beyond what
# JSON Schema can say, and answers 422 naming the field. Cross-field rules (a period ends after it starts, a
# report's parts add up to at most its value), records that must exist (an expert id in a token request, a funding
# source), bodies in other formats (CAP, GDACS, CSV imports), and opaque cursors only this server issues. Every
# other check runs: status codes, content types, headers and bodies against the document, negative data rejected,
# unsupported methods (405 with Allow), ignored auth.
EXCLUDED_CHECKS = [positive_data_acceptance]
ROLE_EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 8}
SUBJECTS = {"expert": ("--expert-id", "exp-fuzz"), "partner": ("--partner-id", "ptn-fuzz"),
            "coordinator": ("--office", "hq")}


@pytest.mark.parametrize("role", ["admin", "coordinator", "expert", "partner"])
def test_every_check_passes_on_every_operation_as_each_role(seeded, role):
    """All of schemathesis's checks (status codes, content types, headers and bodies against the document,
    negative data rejected, positive data accepted, unsupported methods, ignored auth, ...), not only "no 5xx"."""
    server = seeded
    headers = {"Authorization": f"Bearer {server.token(role, *SUBJECTS.get(role, ()))}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json", timeout=15)
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if op.path not in SKIPPED_PATHS]
    failures: dict[str, set[str]] = {}

    for operation in operations:
        for mode, examples in ROLE_EXAMPLES.items():

            @seed(SEED)  # the same examples wherever the suite runs (derandomize would seed from the file's path)
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def fuzz(case) -> None:
                try:
                    case.call_and_validate(base_url=server.url, headers=headers, timeout=15,
                                           excluded_checks=EXCLUDED_CHECKS)
                except FailureGroup as group:
                    for failure in group.exceptions:
                        detail = " ".join(str(getattr(failure, "message", "")).split())[:400]
                        failures.setdefault(operation.label, set()).add(
                            f"[{mode.value}] {failure.title}: {detail}\n    {case.as_curl_command(headers)[:300]}")

            try:
                fuzz()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE, f"{operation.label}: no valid input can be generated"
    report = [f"{label}: {kind}" for label, kinds in sorted(failures.items())
              for kind in sorted(kinds, key=lambda k: k.split(":")[0])]
    seen: set[tuple[str, str]] = set()
    report = [r for r in report if not ((key := (r.split(":")[0], r.split("]")[1].split(":")[0])) in seen
                                        or seen.add(key))]  # one example per operation and kind of failure
    assert not report, f"{len(report)} distinct failures as {role}:\n" + "\n".join(report[:60])
