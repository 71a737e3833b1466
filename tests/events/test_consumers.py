"""Every service consumes exactly the events the catalogue says it does, so the AsyncAPI
document's receive operations are what the services really do."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from assessment_api.cases.consumers import ReferralHandlers
from contracts import EVENT_TYPES, stream_for
from contracts.subjects import CONSUMERS
from referral_api.referrals.consumers import subscriptions as referral_subscriptions
from reporting_api.projections.projector import subscriptions as reporting_subscriptions
from scheduling_api.bookings.consumers import SchedulingHandlers
from servicekit.inbox import Subscription


def handled(subscriptions: list[Subscription]) -> dict[str, str]:
    """Event type -> the stream its consumer reads it from."""
    return {
        event_type: subscription.stream
        for subscription in subscriptions
        for event_type in subscription.handlers
    }


def consumed_by_service() -> dict[str, dict[str, str]]:
    settings: Any = SimpleNamespace(private_key=None, private_keys=lambda: {})
    return {
        "referral-api": handled(referral_subscriptions()),
        "assessment-api": handled([ReferralHandlers(settings).subscription()]),
        "scheduling-api": handled(SchedulingHandlers(settings).subscriptions()),
        "reporting-api": handled(reporting_subscriptions()),
    }


def test_each_service_consumes_what_the_catalogue_lists() -> None:
    for service, events in consumed_by_service().items():
        listed = {event for event, consumers in CONSUMERS.items() if service in consumers}
        assert set(events) == listed, service


def test_each_consumer_reads_an_event_from_the_stream_that_captures_it() -> None:
    for events in consumed_by_service().values():
        for event_type, stream in events.items():
            assert stream_for(event_type).name == stream, event_type


def test_the_catalogue_names_only_known_events() -> None:
    assert set(CONSUMERS) <= set(EVENT_TYPES)


def test_reporting_reads_every_event() -> None:
    assert set(consumed_by_service()["reporting-api"]) == set(EVENT_TYPES)
