"""Partner channels: one module each behind one small interface (see base.Channel)."""

from __future__ import annotations

from django.utils.module_loading import import_string

from orderhub.delivery.channels.base import Channel

CHANNELS = {
    "opentrans_http": "orderhub.delivery.channels.opentrans_http.OpenTransHttp",
    "edifact": "orderhub.delivery.channels.edifact_drop.EdifactDrop",
    "email": "orderhub.delivery.channels.email.Email",
    "webhook": "orderhub.delivery.channels.webhook.Webhook",
    "sftp": "orderhub.delivery.channels.sftp.Sftp",
}


def for_partner(partner) -> Channel:
    # Imported on first use: the e-mail channel's PDF library alone takes seconds to import.
    return import_string(CHANNELS[partner.channel])(
        partner.channel_config or {}, partner.credentials
    )


#: Channels that may send a goods-receipt acknowledgement (``Channel.sends_receipts`` decides;
#: EDIFACT has no RECADV structure here, an e-mail partner's clerk has nothing to do with one).
RECEIPT_CHANNELS = ("opentrans_http", "webhook", "sftp")


def sends_receipts(partner) -> bool:
    """Whether ``partner``'s channel sends a RECEIPTACKNOWLEDGEMENT (or its JSON twin)."""
    return partner.channel in RECEIPT_CHANNELS and for_partner(partner).sends_receipts
