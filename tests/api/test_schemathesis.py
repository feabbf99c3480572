"""A bounded schemathesis run over the live OpenAPI document, authenticated as an
administrator: for every operation, 50 generated requests that fit the document and 15 that do
not, sent through the app's WSGI interface. No answer may be a server error, and every answer
must match the document (status code, content type, headers, body schema).

(Operations are looped inside one test: ``schemathesis.pytest.from_fixture`` does not run
under pytest 9, and the document needs the ``app`` fixture.)"""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import factories

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 15}


def test_api_conforms_to_its_document(app, city, tokens):
    factories.add_households(city.communities["a1c1"], 5, 3)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    failures, operations, calls = {}, 0, [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=examples, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                calls[0] += 1
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS)

            try:
                run()
            except Exception as exc:  # collect every operation's failure, then report all
                failures[f"{operation.label} ({mode})"] = str(exc)[:2000]
    assert operations >= 25
    assert calls[0] >= operations * 40
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
