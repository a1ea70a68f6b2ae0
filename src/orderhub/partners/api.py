"""Public partner list (SPEC §4)."""

from __future__ import annotations

from ninja import Router, Schema

from orderhub.partners.models import Partner

router = Router(tags=["partners"])


class PartnerOut(Schema):
    id: str
    name: str
    requires_customer_number: bool
    channel: str


class PartnerList(Schema):
    items: list[PartnerOut]
    next_cursor: str | None = None


@router.get("/partners", response=PartnerList, auth=None, summary="Participating partner firms")
def list_partners(request):
    items = [
        {
            "id": p.slug,
            "name": p.name,
            "requires_customer_number": p.requires_customer_number,
            "channel": p.channel,
        }
        for p in Partner.objects.filter(is_active=True)
    ]
    return {"items": items, "next_cursor": None}
