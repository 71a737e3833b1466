"""Encryption of personal fields at rest, key rotation, and keyed hashes."""

from __future__ import annotations

import uuid

import pytest
from kit_fixture_support import FIXTURE_INI, Service, notes, start_service
from sqlalchemy import insert, select, text

from servicekit.crypto import FieldCipher, b64d, b64e, keyed_hash, new_key
from servicekit.db import Database, utcnow
from servicekit.devidp import DevIdentityProvider
from servicekit_testing.databases import TemplateDatabases

SECRET = "Jo Bloggs, 07700 900123, heroin dependence"


def test_round_trip_hides_the_plaintext() -> None:
    cipher = FieldCipher({"k1": new_key()}, "k1")
    token = cipher.encrypt(SECRET)
    assert cipher.decrypt(token) == SECRET
    assert "Jo Bloggs" not in token and "07700" not in token
    assert token.startswith("enc1.k1.")
    assert cipher.encrypt(SECRET) != token  # a fresh nonce every time
    assert cipher.decrypt(cipher.encrypt("")) == ""
    assert cipher.decrypt(cipher.encrypt("Zoë 🙂")) == "Zoë 🙂"


def test_rotation_old_key_still_decrypts_and_new_key_encrypts() -> None:
    k1, k2 = new_key(), new_key()
    before = FieldCipher({"k1": k1}, "k1")
    old_token = before.encrypt(SECRET)

    after = FieldCipher({"k1": k1, "k2": k2}, "k2")
    assert after.decrypt(old_token) == SECRET
    assert after.needs_rotation(old_token)
    new_token = after.encrypt(after.decrypt(old_token))  # re-encrypt at leisure
    assert new_token.startswith("enc1.k2.")
    assert not after.needs_rotation(new_token)
    assert after.decrypt(new_token) == SECRET

    # once k1 is retired, only re-encrypted data can be read
    retired = FieldCipher({"k2": k2}, "k2")
    assert retired.decrypt(new_token) == SECRET
    with pytest.raises(ValueError, match="not in the key ring"):
        retired.decrypt(old_token)


def test_tampered_ciphertext_fails_its_integrity_check() -> None:
    cipher = FieldCipher({"k1": new_key()}, "k1")
    prefix, kid, body = cipher.encrypt(SECRET).split(".", 2)
    raw = bytearray(b64d(body))
    raw[-1] ^= 0x01
    with pytest.raises(ValueError, match="integrity"):
        cipher.decrypt(f"{prefix}.{kid}.{b64e(bytes(raw))}")
    raw = bytearray(b64d(body))
    raw[20] ^= 0x80  # a flipped bit inside the ciphertext itself
    with pytest.raises(ValueError, match="integrity"):
        cipher.decrypt(f"{prefix}.{kid}.{b64e(bytes(raw))}")


def test_a_token_relabelled_with_another_key_id_fails() -> None:
    key = new_key()
    cipher = FieldCipher({"k1": key, "k2": key}, "k1")  # even with the same key bytes
    _, _, body = cipher.encrypt(SECRET).split(".", 2)
    with pytest.raises(ValueError, match="integrity"):
        cipher.decrypt(f"enc1.k2.{body}")


def test_an_unknown_key_id_fails() -> None:
    writer = FieldCipher({"old": new_key()}, "old")
    reader = FieldCipher({"k1": new_key()}, "k1")
    with pytest.raises(ValueError, match="not in the key ring"):
        reader.decrypt(writer.encrypt(SECRET))
    with pytest.raises(ValueError, match="not in the key ring"):
        reader.decrypt("enc0.k1." + writer.encrypt(SECRET).split(".", 2)[2])


def test_a_bad_key_ring_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        FieldCipher({"k1": new_key(), "k2": b64e(bytes(16))}, "k1")  # AES-128 is not enough
    with pytest.raises(ValueError):
        FieldCipher({"k1": b64e(b"too short")}, "k1")
    with pytest.raises(ValueError, match="not in the key ring"):
        FieldCipher({"k1": new_key()}, "k9")


@pytest.mark.db
async def test_an_encrypted_column_stores_only_ciphertext(
    db: Database, cipher: FieldCipher
) -> None:
    note_id = uuid.uuid4()
    async with db.session() as session:
        await session.execute(insert(notes).values(id=note_id, body=SECRET, created_at=utcnow()))
        await session.commit()
    async with db.session() as session:
        raw = await session.scalar(text("SELECT body FROM notes"))
        through_model = await session.scalar(select(notes.c.body).where(notes.c.id == note_id))
    assert isinstance(raw, str)
    assert SECRET not in raw and "Bloggs" not in raw and "heroin" not in raw
    assert raw.startswith("enc1.k1.")
    assert cipher.decrypt(raw) == SECRET
    assert through_model == SECRET


def test_keyed_hash_is_stable_and_depends_on_the_key() -> None:
    key, other = new_key(), new_key()
    first = keyed_hash(key, "bloggs", "jo", "1990-01-31")
    assert first == keyed_hash(key, "bloggs", "jo", "1990-01-31")
    assert len(first) == 64 and int(first, 16) >= 0
    assert keyed_hash(other, "bloggs", "jo", "1990-01-31") != first
    assert keyed_hash(key, "bloggs", "jo", "1990-02-01") != first
    # the parts are delimited, so moving a boundary changes the hash
    assert keyed_hash(key, "ab", "c") != keyed_hash(key, "a", "bc")


async def _write_and_read(service: Service, text_: str) -> str:
    created = await service.client.post("/notes", json={"text": text_}, headers=service.auth())
    assert created.status_code == 201, created.text
    read = await service.client.get(f"/notes/{created.json()['id']}", headers=service.auth())
    assert read.status_code == 200, read.text
    return str(read.json()["text"])


async def _stored(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text("SELECT body FROM notes"))).scalars())


@pytest.mark.db
async def test_two_applications_in_one_process_each_use_their_own_keys(
    template_databases: TemplateDatabases,
    dev_idp: DevIdentityProvider,
    trusted_issuers: dict[str, list[str]],
) -> None:
    first_keys, second_keys = {"k1": new_key()}, {"k1": new_key()}  # the same key id, even
    first, first_client = await start_service(
        await template_databases.fresh(FIXTURE_INI), dev_idp, trusted_issuers, first_keys
    )
    # built second: a process-wide cipher would now be this one's, for both
    second, second_client = await start_service(
        await template_databases.fresh(FIXTURE_INI), dev_idp, trusted_issuers, second_keys
    )
    async with first_client, second_client:
        assert await _write_and_read(first, "the first service's secret") == (
            "the first service's secret"
        )
        assert await _write_and_read(second, "the second service's secret") == (
            "the second service's secret"
        )
        [first_raw] = await _stored(first.runtime.db)
        [second_raw] = await _stored(second.runtime.db)
    await first.runtime.stop()
    await second.runtime.stop()
    assert FieldCipher(first_keys, "k1").decrypt(first_raw) == "the first service's secret"
    assert FieldCipher(second_keys, "k1").decrypt(second_raw) == "the second service's secret"
    with pytest.raises(ValueError, match="integrity"):
        FieldCipher(second_keys, "k1").decrypt(first_raw)


@pytest.mark.db
async def test_a_rotated_key_ring_reads_old_rows_and_writes_under_the_new_key(
    db_url: str, field_keys: dict[str, str]
) -> None:
    old = Database(db_url, cipher=FieldCipher(field_keys, "k1"))
    async with old.session() as session:
        await session.execute(
            insert(notes).values(id=uuid.uuid4(), body="old", created_at=utcnow())
        )
        await session.commit()
    await old.dispose()

    rotated = FieldCipher({**field_keys, "k2": new_key()}, "k2")
    new = Database(db_url, cipher=rotated)
    try:
        async with new.session() as session:
            await session.execute(
                insert(notes).values(id=uuid.uuid4(), body="new", created_at=utcnow())
            )
            await session.commit()
            read = set((await session.scalars(select(notes.c.body))).all())
        assert read == {"old", "new"}
        raw = await _stored(new)
        assert sorted(token.split(".")[1] for token in raw) == ["k1", "k2"]
        assert sorted(rotated.needs_rotation(token) for token in raw) == [False, True]
    finally:
        await new.dispose()


@pytest.mark.db
async def test_a_database_without_a_cipher_refuses_encrypted_columns(db_url: str) -> None:
    plain = Database(db_url)
    try:
        async with plain.session() as session:
            with pytest.raises(Exception, match="Database\\(url, cipher="):
                await session.execute(
                    insert(notes).values(id=uuid.uuid4(), body="x", created_at=utcnow())
                )
    finally:
        await plain.dispose()
