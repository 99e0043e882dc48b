"""Routes of the policy table (versions: list, show, validate, apply) and the compliance dry run
(the same scenario JSON as ``amicable compliance check``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, status

from amicable.compliance import decide, parse_scenario
from amicable.entrypoints.api.deps import CurrentPrincipal, Uow, guard
from amicable.entrypoints.api.schemas import (
    ComplianceDecisionPublic,
    Page,
    PolicyProblem,
    PolicyText,
    PolicyValidation,
    PolicyVersionCreate,
    PolicyVersionPublic,
    PolicyVersionSummary,
)
from amicable.policy.load import validate_text
from amicable.service import governance
from amicable.service.ports import PolicyVersion

__all__ = ["router"]

router = APIRouter()


def _summary(v: PolicyVersion) -> PolicyVersionSummary:
    return PolicyVersionSummary(
        version=v.version, label=v.label, checksum=v.checksum, created_at=v.created_at
    )


def _public(v: PolicyVersion) -> PolicyVersionPublic:
    return PolicyVersionPublic(**_summary(v).model_dump(), yaml=v.yaml)


@router.get("/policy/versions", tags=["policy"], **guard("policy.read"))
def list_versions(uow: Uow) -> Page[PolicyVersionSummary]:
    with uow:
        rows = uow.policies.list()
    return Page[PolicyVersionSummary](data=[_summary(v) for v in rows], count=len(rows))


@router.get("/policy/versions/{version}", tags=["policy"], **guard("policy.read"))
def show_version(version: Annotated[int, Path(ge=1, le=2**31)], uow: Uow) -> PolicyVersionPublic:
    with uow:
        return _public(uow.policies.get(version))


@router.post("/policy/validate", tags=["policy"], **guard("policy.validate"))
def validate(body: PolicyText) -> PolicyValidation:
    """Every problem of a policy text with its location (nothing is stored)."""
    problems = validate_text(body.yaml)
    return PolicyValidation(
        valid=not problems,
        problems=[PolicyProblem(path=p.path, message=p.message) for p in problems],
    )


@router.post(
    "/policy/versions",
    status_code=status.HTTP_201_CREATED,
    tags=["policy"],
    **guard("policy.apply"),
)
def apply(body: PolicyVersionCreate, uow: Uow, who: CurrentPrincipal) -> PolicyVersionPublic:
    """Store a validated policy as the new version in force (422 with every problem if not)."""
    return _public(governance.apply_policy(uow, body.yaml, actor=who.actor))


@router.post("/compliance/check", tags=["compliance"], **guard("compliance.check"))
def compliance_check(
    scenario: Annotated[
        dict[str, Any], Body(description="the dry-run scenario (docs/compliance.md)")
    ],
    pack: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> ComplianceDecisionPublic:
    """Decide one proposed contact; the same contract as ``amicable compliance check --json``."""
    context, proposed = parse_scenario(scenario)
    decision = decide(context, proposed, packs=pack or None)
    doc = decision.to_json()
    return ComplianceDecisionPublic(**doc, packs=list(decision.packs))
