"""schemathesis over a service's OpenAPI document, with every check and two forces' callers.

    config = fuzz_config(token, refusals=[Refusal("POST", "/v1/referrals", [422], "why")])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)

Every check runs, positive data acceptance included. A `Refusal` names an operation that rightly
refuses some schema-valid data (a rule of the caller's force, or one between fields, that a JSON
Schema cannot state) and the statuses it may answer it with, besides schemathesis's defaults;
no other operation may. The token goes through the document's `bearer` scheme, so schemathesis
knows when a case leaves it out on purpose.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from schemathesis.config import SchemathesisConfig

from servicekit.idempotency import KEY_MAX_LENGTH, KEY_MIN_LENGTH

# What a schema-valid key looks like (servicekit.idempotency states the same in the document).
_VALID_KEY = re.compile(rf"[A-Za-z0-9._:-]{{{KEY_MIN_LENGTH},{KEY_MAX_LENGTH}}}")

# schemathesis's own expectation of schema-valid data, without 3xx, 429 and 5xx: no operation
# here redirects or limits rates, and a 5xx is a fault, never an acceptable answer.
ACCEPTED = ["2xx", "401", "403", "404", "409"]


@dataclass(frozen=True)
class Refusal:
    """Schema-valid data `method path` rightly refuses with `statuses`, and `why`."""

    method: str
    path: str
    statuses: Sequence[int]
    why: str


def fuzz_config(bearer_token: str, refusals: Sequence[Refusal]) -> SchemathesisConfig:
    """Every check; schema-valid data accepted (2xx, 401, 403, 404, 409) except as `refusals`
    say, operation by operation."""
    return SchemathesisConfig.from_dict(
        {
            "auth": {"openapi": {"bearer": {"bearer": bearer_token}}},
            "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            "operations": [
                {
                    "include-method": refusal.method,
                    "include-path": refusal.path,
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [*ACCEPTED, *map(str, refusal.statuses)]
                        }
                    },
                }
                for refusal in refusals
            ],
        }
    )


def fresh_idempotency_key(case: Any) -> None:
    """A schema-valid Idempotency-Key made new for this call, as a client makes one per request:
    a generated key drawn again for another body is rightly a 422. An invalid one is kept, to be
    refused."""
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and _VALID_KEY.fullmatch(key):
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


def is_positive(case: Any) -> bool:
    """Whether schemathesis generated this case to be schema-valid."""
    return case.meta is not None and bool(case.meta.generation.mode.is_positive)


def unseen_by_another_force(
    other_headers: dict[str, str],
) -> Callable[[Any, Any, Any], None]:
    """A check: what a caller read by id (a 200 to a GET with a path parameter), a caller of
    another force, sending `other_headers`, gets a 404 for."""

    def unseen_by_another_force(ctx: Any, response: Any, case: Any) -> None:
        if case.method != "GET" or not case.path_parameters or response.status_code != 200:
            return
        other = case.call(headers=other_headers)
        assert other.status_code == 404, (
            f"{case.method} {case.formatted_path} by another force's caller: "
            f"{other.status_code}, not 404"
        )

    return unseen_by_another_force
