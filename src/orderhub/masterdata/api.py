"""Master-data endpoints (SPEC §3.2, §3.3)."""

from __future__ import annotations

from ninja import Router

from orderhub.accounts.audit import actor_for_token
from orderhub.authentication import company_auth
from orderhub.masterdata import selectors, services
from orderhub.masterdata.schemas import MasterDataIn, MasterDataOut, SyncResultOut

router = Router(tags=["master data"], auth=company_auth)


@router.put("", response=SyncResultOut, summary="Send the full master-data snapshot")
def put_masterdata(request, payload: MasterDataIn):
    result = services.apply_snapshot(request.company, payload, actor_for_token(request.auth))
    return {
        "branches": result.branches.as_dict(),
        "users": result.users.as_dict(),
        "customer_numbers": result.customer_numbers.as_dict(),
        "conflicts": [selectors.conflict_dict(c) for c in result.conflicts],
    }


@router.get(
    "", response=MasterDataOut, summary="The master data in force, dashboard edits included"
)
def get_masterdata(request):
    return selectors.snapshot_in_force(request.company)
