"""Webhooks as a force's receiver sees them: signed per Standard Webhooks, one message per outcome
(the same webhook-id on every attempt), retried with backoff, given up into the failed list,
redelivered, signed by both secrets during a rotation's overlap, and never sent twice by two
senders."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from contracts.vocabulary import ReferralOutcome
from referral_api.config import Settings
from referral_api.webhooks import repository

from ..helpers import AuthHeaders, close_referral, referral_body, rows, scalar, submit
from ..receiver import Receiver
from .conftest import RETRY, Senders, now, register

pytestmark = pytest.mark.db


async def closed_referral(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    settings: Settings,
    outcome: ReferralOutcome = ReferralOutcome.completed,
    **person: Any,
) -> dict[str, Any]:
    created = dict((await submit(client, auth(), referral_body(**person))).json())
    await close_referral(settings, created["id"], outcome, now())
    return created


async def deliveries(
    client: httpx.AsyncClient, auth: AuthHeaders, webhook_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    params = {"status": status} if status else {}
    response = await client.get(
        f"/v1/webhooks/{webhook_id}/deliveries", params=params, headers=auth(role="admin")
    )
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_closed_referral_arrives_signed_and_verifies(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    hook.secrets = [endpoint["secret"]]
    created = await closed_referral(client, auth, dev_settings, ReferralOutcome.not_engaged)
    result = await sender().run_once()
    assert len(result.delivered) == 1
    (message,) = hook.received
    assert message.verified_by == [endpoint["secret"]]
    assert message.message_id.startswith("msg_") and message.message_id == result.delivered[0]
    payload = message.payload
    assert payload["type"] == "referral.closed"
    assert payload["timestamp"] == payload["data"]["closed_at"]
    assert payload["data"]["referral_id"] == created["id"]
    assert payload["data"]["reference"] == created["reference"]
    assert payload["data"]["outcome"] == "not_engaged"
    assert payload["data"]["suggested_outcome_code"] == 8
    assert payload["data"]["bar_expires_at"]
    # no personal data in what leaves for the force's systems
    text = message.body.decode()
    assert "Sam" not in text and "date_of_birth" not in text and "postcode" not in text
    (listed,) = await deliveries(client, auth, endpoint["id"], "delivered")
    assert listed["webhook_id"] == message.message_id
    assert listed["attempts"] == 1 and listed["last_status_code"] == 204
    # nothing more to send
    assert (await sender().run_once()).delivered == []


async def test_a_tampered_body_and_a_stale_timestamp_are_refused_by_verification(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    await closed_referral(client, auth, dev_settings)
    await sender().run_once()
    (message,) = hook.received
    secret = endpoint["secret"]
    Webhook(secret).verify(message.body, message.headers)
    tampered = message.body.replace(b'"completed"', b'"not_engaged"')
    assert tampered != message.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, message.headers)
    # the same message, correctly signed, but ten minutes old: a replay
    stale_at = now() - timedelta(minutes=10)
    stale = message.headers | {
        "webhook-timestamp": str(int(stale_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(
            message.message_id, stale_at, message.body.decode()
        ),
    }
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(message.body, stale)
    other = Webhook("whsec_" + "QUJD" * 8)
    with pytest.raises(WebhookVerificationError):
        other.verify(message.body, message.headers)


async def test_a_failing_receiver_is_retried_with_backoff_as_the_same_message(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    hook.secrets = [endpoint["secret"]]
    hook.answers = [500, 503]
    await closed_referral(client, auth, dev_settings)
    send = sender()
    start = now()
    assert len((await send.run_once(start)).retrying) == 1
    (waiting,) = await deliveries(client, auth, endpoint["id"], "pending")
    assert waiting["attempts"] == 1 and waiting["last_status_code"] == 500
    assert "500" in waiting["last_error"]
    # jitter 0.5: three quarters of the 2 s pause, then of 4 s
    first_pause = timedelta(seconds=1.5)
    assert waiting["next_attempt_at"] == (start + first_pause).isoformat().replace("+00:00", "Z")
    assert (await send.run_once(start + first_pause - timedelta(seconds=0.1))).retrying == []
    assert len((await send.run_once(start + first_pause)).retrying) == 1
    done = await send.run_once(start + first_pause + timedelta(seconds=3))
    assert len(done.delivered) == 1
    assert [r.status for r in hook.received] == [500, 503, 204]
    assert len({r.message_id for r in hook.received}) == 1
    assert len({r.body for r in hook.received}) == 1
    assert all(r.verified_by for r in hook.received)
    assert len({r.headers["webhook-timestamp"] for r in hook.received}) == 3


async def test_a_timeout_or_a_refused_connection_is_a_failed_attempt(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    hook.delay = 3  # longer than the 2 s timeout
    slow = await register(client, auth(role="admin"), url)
    closed_port = await register(client, auth(role="admin"), "http://127.0.0.1:9/hooks")
    await closed_referral(client, auth, dev_settings)
    result = await sender().run_once()
    assert len(result.retrying) == 2
    (timed_out,) = await deliveries(client, auth, slow["id"], "pending")
    assert timed_out["last_error"] == "no answer within 2 s"
    (refused,) = await deliveries(client, auth, closed_port["id"], "pending")
    assert refused["last_error"].startswith("could not connect")


async def test_redirects_are_never_followed(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    hook.answers = [307]
    hook.location = url + "/elsewhere"
    endpoint = await register(client, auth(role="admin"), url)
    await closed_referral(client, auth, dev_settings)
    assert len((await sender().run_once()).retrying) == 1
    assert [r.status for r in hook.received] == [307]  # the Location was not called
    (waiting,) = await deliveries(client, auth, endpoint["id"], "pending")
    assert waiting["last_error"] == "the receiver answered 307"


async def test_given_up_into_the_failed_list_then_redelivered_as_the_same_message(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    hook.secrets = [endpoint["secret"]]
    hook.answers = [500] * RETRY.max_attempts
    await closed_referral(client, auth, dev_settings)
    send = sender()
    at = now()
    for _ in range(RETRY.max_attempts):
        result = await send.run_once(at)
        at += timedelta(seconds=10)
    assert len(result.failed) == 1
    (failed,) = await deliveries(client, auth, endpoint["id"], "failed")
    assert failed["attempts"] == RETRY.max_attempts and failed["next_attempt_at"] is None
    # nothing more is tried once given up
    assert (await send.run_once(at + timedelta(hours=1))).retrying == []
    assert len(hook.received) == RETRY.max_attempts

    path = f"/v1/webhooks/{endpoint['id']}/deliveries/{failed['id']}/redelivery"
    response = await client.post(path, headers=auth(role="admin"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "pending" and response.json()["attempts"] == 0
    again = await client.post(path, headers=auth(role="admin"))
    assert again.status_code == 409 and "waiting" in again.json()["detail"]
    done = await send.run_once(now() + timedelta(seconds=30))
    assert done.delivered == [failed["webhook_id"]]
    last = hook.received[-1]
    assert last.message_id == failed["webhook_id"] and last.verified_by
    assert last.body == hook.received[0].body
    # a new timestamp, so a new signature
    assert last.headers["webhook-timestamp"] != hook.received[0].headers["webhook-timestamp"]
    assert last.headers["webhook-signature"] != hook.received[0].headers["webhook-signature"]
    assert await deliveries(client, auth, endpoint["id"], "failed") == []


async def test_during_a_rotation_both_secrets_sign_and_after_it_only_the_new(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    old = endpoint["secret"]
    rotated = await client.post(
        f"/v1/webhooks/{endpoint['id']}/secret-rotation", headers=auth(role="admin")
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and new.startswith("whsec_")
    hook.secrets = [old, new]
    send = sender()
    await closed_referral(client, auth, dev_settings, given_name="Robin")
    await send.run_once(now())
    assert sorted(hook.received[-1].verified_by) == sorted([old, new])
    assert len(hook.received[-1].headers["webhook-signature"].split(" ")) == 2
    # the overlap here is 60 s: two minutes on, only the new secret signs
    await closed_referral(client, auth, dev_settings, given_name="Kim")
    await send.run_once(now() + timedelta(minutes=2))
    assert hook.received[-1].verified_by == [new]
    assert len(hook.received[-1].headers["webhook-signature"].split(" ")) == 1
    shown = (await client.get(f"/v1/webhooks/{endpoint['id']}", headers=auth(role="admin"))).json()
    assert shown["previous_secret_signs_until"] is None


async def test_two_senders_never_deliver_one_message_twice(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    hook.delay = 0.05
    endpoint = await register(client, auth(role="admin"), url)
    hook.secrets = [endpoint["secret"]]
    for n in range(12):
        await closed_referral(client, auth, dev_settings, given_name="Pat", family_name=f"Two{n}")
    first, second = sender(batch_size=5), sender(batch_size=5)
    for _ in range(4):
        await asyncio.gather(first.run_once(), second.run_once())
    counted = Counter(r.message_id for r in hook.received)
    assert len(counted) == 12 and set(counted.values()) == {1}
    assert len(await deliveries(client, auth, endpoint["id"], "delivered")) == 12


async def test_of_two_senders_claiming_one_message_only_one_wins(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    _, url = receiver
    await register(client, auth(role="admin"), url)
    await closed_referral(client, auth, dev_settings)
    first, second = sender(), sender()
    at = now()
    # both saw the message due before either claimed it
    async with first.db.session() as one, second.db.session() as other:
        (seen,) = await repository.due(session=one, now=at, limit=10)
        assert await repository.due(session=other, now=at, limit=10) == [seen]
        await one.commit()
        await other.commit()
    lease = at + timedelta(seconds=RETRY.lease_seconds)
    won = []
    for db in (first.db, second.db):
        async with db.session() as session:
            token = uuid.uuid4()
            won.append(
                await repository.claim(
                    session=session, delivery_id=seen, token=token, now=at, lease_until=lease
                )
            )
            await session.commit()
    assert won == [True, False]
    # the claim holds until its lease runs out: then the message may be tried again
    async with second.db.session() as session:
        assert (
            await repository.due(session=session, now=lease - timedelta(seconds=1), limit=9) == []
        )
        assert await repository.due(session=session, now=lease, limit=9) == [seen]


async def test_a_disabled_endpoint_is_sent_nothing_until_enabled(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    await closed_referral(client, auth, dev_settings, given_name="Lee")
    path = f"/v1/webhooks/{endpoint['id']}"
    disabled = await client.patch(path, json={"enabled": False}, headers=auth(role="admin"))
    assert disabled.status_code == 200 and disabled.json()["status"] == "disabled"
    # an outcome closed while disabled is not queued for it
    await closed_referral(client, auth, dev_settings, given_name="Max")
    assert (await sender().run_once()).delivered == []
    assert hook.received == []
    enabled = await client.patch(path, json={"enabled": True}, headers=auth(role="admin"))
    assert enabled.json()["status"] == "active"
    assert len((await sender().run_once()).delivered) == 1


async def test_deleting_an_endpoint_drops_what_it_was_owed(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    endpoint = await register(client, auth(role="admin"), url)
    await closed_referral(client, auth, dev_settings)
    deleted = await client.delete(f"/v1/webhooks/{endpoint['id']}", headers=auth(role="admin"))
    assert deleted.status_code == 204
    gone = await client.get(f"/v1/webhooks/{endpoint['id']}", headers=auth(role="admin"))
    assert gone.status_code == 404
    assert (await sender().run_once()).delivered == [] and hook.received == []
    assert await scalar(dev_settings.database_url, "SELECT count(*) FROM webhook_deliveries") == 0


async def test_each_outcome_is_one_message_per_active_endpoint_of_its_force(
    client: httpx.AsyncClient,
    auth: AuthHeaders,
    dev_settings: Settings,
    receiver: tuple[Receiver, str],
    sender: Senders,
) -> None:
    hook, url = receiver
    await register(client, auth(role="admin"), url + "/a")
    await register(client, auth(role="admin"), url + "/b")
    await register(client, auth(role="admin", force="northshire"), url + "/north", "northshire")
    created = await closed_referral(client, auth, dev_settings)
    # closing again changes nothing and queues nothing
    await close_referral(dev_settings, created["id"], ReferralOutcome.not_engaged, now())
    await sender().run_once()
    assert len(hook.received) == 2
    assert {json.loads(r.body)["data"]["force"] for r in hook.received} == {"demo"}
    found = await rows(dev_settings.database_url, "SELECT message_id FROM webhook_deliveries")
    assert len({r.message_id for r in found}) == 2
