"""What payments tells the apps above it (clubs): an order for them was paid."""

from django.dispatch import Signal

# An order of kind "dues" was paid. Sent inside the recording transaction, so the receiver's
# write (clubs extends the membership's "paid until") commits with the payment. kwargs: order.
dues_paid = Signal()
