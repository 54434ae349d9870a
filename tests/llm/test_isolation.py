"""One tenant's provider settings never change another's results (issue 15,
items 2 and 3): breakers and limits are per credential and endpoint, a
non-retryable answer ends a trial call, and the deployment's key only ever
goes to the deployment's endpoint."""

from __future__ import annotations

import asyncio

import pytest

from sight.llm.gateway import LLMGateway, LLMProviderFailed
from sight.llm.resolver import UserKeyUnreadable
from sight.llm.types import CallContext
from sight_testing.fake_llm import FakeLLM, running_fake_llm
from tests.llm.conftest import gateway_for, insert_user, set_llm_settings

DEPLOYMENT_KEY = "sk-deployment-SECRET-0123456789"
ALICE_KEY = "sk-alice-own-key-0123456789"
BOB_KEY = "sk-bob-own-key-0123456789"


async def _ask(gateway: LLMGateway, user: object, prompt: str) -> str:
    result = await gateway.generate_text(
        "surveys.answer",
        system="s",
        prompt=prompt,
        ctx=CallContext(user_id=user),  # type: ignore[arg-type]
    )
    return result.text


def _keys_seen(fake: FakeLLM) -> set[str | None]:
    return {r.api_key for r in fake.stats.requests}


async def test_one_users_broken_endpoint_changes_nothing_for_the_others(
    database_url: str,
) -> None:
    """Three endpoints: the deployment's, Alice's (failing) and Bob's own."""
    with (
        running_fake_llm() as deployment,
        running_fake_llm() as alices,
        running_fake_llm() as bobs,
    ):
        alices.configure(server_error_next=1000)
        async with gateway_for(
            database_url,
            openai_api_key=DEPLOYMENT_KEY,
            openai_base_url=deployment.openai_base_url,
            llm={
                "allow_private_endpoints": True,
                "circuit_threshold": 2,
                "circuit_cooldown_seconds": 1,
                "max_retries": 1,
            },
        ) as gateway:
            alice, bob, carol = (insert_user(database_url) for _ in range(3))
            set_llm_settings(
                database_url,
                alice,
                keys={"openai": ALICE_KEY},
                base_url=alices.openai_base_url,
            )
            set_llm_settings(
                database_url,
                bob,
                keys={"openai": BOB_KEY},
                base_url=bobs.openai_base_url,
            )
            with pytest.raises(LLMProviderFailed):
                await _ask(gateway, alice, "a1")  # two failures: Alice's circuit opens
            with pytest.raises(LLMProviderFailed) as paused:
                await _ask(gateway, alice, "a2")
            assert paused.value.status_code == 503
            # Bob (own endpoint) and Carol (the deployment's) are not affected.
            answers = await asyncio.gather(
                _ask(gateway, bob, "b1"), _ask(gateway, carol, "c1")
            )
            assert all(answers)
            assert _keys_seen(bobs) == {BOB_KEY}
            assert _keys_seen(deployment) == {DEPLOYMENT_KEY}
            assert _keys_seen(alices) == {ALICE_KEY}

            # After the cool-down Alice's trial call gets a 400: not retried, and
            # the answer ends the trial, so her next call is sent, not paused.
            alices.configure(server_error_next=0, client_error_next=1)
            await asyncio.sleep(1.1)
            with pytest.raises(LLMProviderFailed) as rejected:
                await _ask(gateway, alice, "a3")
            assert rejected.value.status_code == 400
            assert not rejected.value.retryable
            assert await _ask(gateway, alice, "a4")


async def test_a_users_unreadable_key_is_an_error_never_the_deployments_key(
    database_url: str,
) -> None:
    with running_fake_llm() as deployment, running_fake_llm() as users_url:
        async with gateway_for(
            database_url,
            openai_api_key=DEPLOYMENT_KEY,
            openai_base_url=deployment.openai_base_url,
            llm={"allow_private_endpoints": True},
        ) as gateway:
            # Stored before SECRET_KEY was rotated: it no longer decrypts.
            rotated = insert_user(database_url)
            set_llm_settings(
                database_url,
                rotated,
                keys={"openai": ALICE_KEY},
                base_url=users_url.openai_base_url,
                secret="the-secret-key-before-rotation-0123456789",
            )
            with pytest.raises(UserKeyUnreadable) as unreadable:
                await _ask(gateway, rotated, "r1")
            assert "re-enter your key" in unreadable.value.detail
            assert users_url.stats.total_requests == 0
            assert deployment.stats.total_requests == 0

            # Their own server without a key of theirs: called with no key.
            keyless = insert_user(database_url)
            set_llm_settings(database_url, keyless, base_url=users_url.openai_base_url)
            assert await _ask(gateway, keyless, "k1")
            assert users_url.stats.total_requests == 1
            assert DEPLOYMENT_KEY not in _keys_seen(users_url)
