"""The spend limit is a cap (issue 15, item 8): the operator's ceiling bounds
what a user spends on the deployment's keys; users can lower their limit, not
raise it past the ceiling; with their own keys they set their own."""

from __future__ import annotations

import httpx
import pytest

from sight.llm.budget import BudgetExceeded
from sight.llm.types import CallContext
from sight_testing.fake_llm import running_fake_llm
from tests.llm.conftest import add_spend, gateway_for, insert_user, set_llm_settings


async def test_a_user_cannot_raise_their_limit_past_the_ceiling(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    auth = {"Authorization": user["authorization"]}
    raised = await client.put(
        "/api/v1/settings/llm", json={"monthly_budget_usd": 1_000_000}, headers=auth
    )
    assert raised.status_code == 422, raised.text
    [problem] = raised.json()["errors"]
    assert problem["field"] == "monthly_budget_usd"
    assert "at most 50.00" in problem["msg"]
    lowered = await client.put(
        "/api/v1/settings/llm", json={"monthly_budget_usd": 10}, headers=auth
    )
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["monthly_budget_usd"] == 10
    assert lowered.json()["deployment_ceiling_usd"] == 50
    # With a key of their own they may set their own limit.
    own = await client.put(
        "/api/v1/settings/llm",
        json={
            "api_keys": {"openai": "sk-own-key-0123456789"},
            "monthly_budget_usd": 500,
        },
        headers=auth,
    )
    assert own.status_code == 200, own.text
    assert own.json()["monthly_budget_usd"] == 500


async def test_the_ceiling_counts_only_spending_on_the_deployments_keys(
    database_url: str,
) -> None:
    with running_fake_llm() as deployment, running_fake_llm() as own_server:
        async with gateway_for(
            database_url,
            openai_api_key="sk-deployment-0123456789",
            openai_base_url=deployment.openai_base_url,
            llm={
                "deployment_monthly_ceiling_usd": 5,
                "allow_private_endpoints": True,
            },
        ) as gateway:
            # A limit of 1000 from before the ceiling existed, no own key.
            legacy = insert_user(database_url, budget=1000)
            add_spend(database_url, legacy, 5.0, "deployment")
            with pytest.raises(BudgetExceeded) as refused:
                await gateway.generate_text(
                    "surveys.answer",
                    system="s",
                    prompt="p",
                    ctx=CallContext(user_id=legacy),
                )
            assert "deployment's API keys" in refused.value.detail
            assert deployment.stats.total_requests == 0
            with pytest.raises(BudgetExceeded):  # a job's check up front, too
                await gateway.ensure_budget(CallContext(user_id=legacy), 0.5)

            # The same spend, but this user pays with their own key: allowed.
            own = insert_user(database_url, budget=1000)
            add_spend(database_url, own, 5.0, "deployment")
            set_llm_settings(
                database_url,
                own,
                keys={"openai": "sk-own-0123456789"},
                base_url=own_server.openai_base_url,
            )
            result = await gateway.generate_text(
                "surveys.answer", system="s", prompt="p", ctx=CallContext(user_id=own)
            )
            assert result.text
            assert own_server.stats.total_requests == 1
            await gateway.ensure_budget(CallContext(user_id=own), 0.5)
