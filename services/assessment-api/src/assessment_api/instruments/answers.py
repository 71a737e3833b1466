"""The answer sheets a client sends: one answer code per item, never a score.

Every item may be left unanswered while the assessment is in progress; completion asks for the
items that are still missing. Unknown fields (a `score`, a `total`) are refused.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from assessment_api.instruments.options import (
    DrinkingFrequency,
    Frequency,
    HarmOrConcern,
    PgsiFrequency,
    SdsDifficulty,
    SdsFrequency,
    TypicalUnits,
)


class AnswerSheet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def answers(self) -> dict[str, str | None]:
        """Item id -> answer code (None when not yet answered)."""
        values: dict[str, Any] = self.model_dump(mode="json")
        return {item: (None if code is None else str(code)) for item, code in values.items()}


class AuditCAnswers(AnswerSheet):
    """AUDIT-C: the first three AUDIT items."""

    q1: DrinkingFrequency | None = None
    q2: TypicalUnits | None = None
    q3: Frequency | None = None


class AuditAnswers(AnswerSheet):
    """The remaining seven items of the full AUDIT, asked when AUDIT-C is positive."""

    q4: Frequency | None = None
    q5: Frequency | None = None
    q6: Frequency | None = None
    q7: Frequency | None = None
    q8: Frequency | None = None
    q9: HarmOrConcern | None = None
    q10: HarmOrConcern | None = None


class PgsiAnswers(AnswerSheet):
    q1: PgsiFrequency | None = None
    q2: PgsiFrequency | None = None
    q3: PgsiFrequency | None = None
    q4: PgsiFrequency | None = None
    q5: PgsiFrequency | None = None
    q6: PgsiFrequency | None = None
    q7: PgsiFrequency | None = None
    q8: PgsiFrequency | None = None
    q9: PgsiFrequency | None = None


class SdsAnswers(AnswerSheet):
    """SDS for the main drug."""

    q1: SdsFrequency | None = None
    q2: SdsFrequency | None = None
    q3: SdsFrequency | None = None
    q4: SdsFrequency | None = None
    q5: SdsDifficulty | None = None
