"""What the ordering area announces; the areas above it (delivery, notifications) subscribe.

Every signal is sent inside the transaction that makes the change, so a receiver that writes
(an outbox row, a queued task) is as durable as the change itself — and rolled back with it.
Ordering never imports its listeners (the layer contract in ``.importlinter`` enforces it).
"""

from django.dispatch import Signal

#: Events were recorded for orders: ``pairs`` = [(order, event), …] (status changes, new orders).
order_events = Signal()
#: An order became ``queued``: ``order``, ``new_order`` (True when it was just created).
order_ready = Signal()
#: A not yet sent order was cancelled: ``order``.
order_cancelled = Signal()
#: A goods receipt was booked: ``receipt`` (an ``ordering.models.GoodsReceipt``, its order at
#: ``receipt.order``); delivery stores the RECEIPTACKNOWLEDGEMENT for the partner.
goods_received = Signal()
#: The practice asked to change or cancel a sent order: ``change`` (an
#: ``ordering.models.OrderChange``, its order at ``change.order``); delivery puts it into the
#: outbox for the partner's channel (issue 16).
order_change_requested = Signal()
#: Intake is about to write an order whose JSON names attachments (issue 17): ``company``,
#: ``payload`` (``schemas.OrderIn``); a receiver refuses with a ``Problem`` before anything is written.
order_checking = Signal()
#: Intake wrote such an order (inside its transaction): ``order``, ``lines``, ``payload``, ``actor``.
order_written = Signal()
