"""Partner channels: one module each behind one small interface (see base.Channel)."""

from __future__ import annotations

from orderhub.delivery.channels.base import Channel


def for_partner(partner) -> Channel:
    from orderhub.delivery.channels import edifact_drop, email, opentrans_http, webhook

    channels = {
        "opentrans_http": opentrans_http.OpenTransHttp,
        "edifact": edifact_drop.EdifactDrop,
        "email": email.Email,
        "webhook": webhook.Webhook,
    }
    return channels[partner.channel](partner.channel_config or {}, partner.credentials)
