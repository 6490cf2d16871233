"""The demo roaster's own policies, which its checkout chat answers from."""

from __future__ import annotations

SHIPPING = """We roast on Mondays and Thursdays and ship within one business day of roasting, \
so your coffee is never more than a few days old when it arrives.

Standard shipping takes 2-5 business days anywhere in the US. We ship to Canada too \
(5-10 business days); we don't ship elsewhere yet.

Every order ships with tracking: the link arrives by e-mail the day your parcel leaves."""

RETURNS = """Not in love with a coffee? Tell us within 30 days of delivery and we'll send a \
different roast or refund you in full. You don't need to send the beans back.

Equipment (grinders, drippers, kettles) can be returned unused within 30 days for a full \
refund; we send a prepaid return label."""

PAYMENT = """We accept Visa, Mastercard, American Express, Discover, PayPal, Apple Pay and \
Google Pay. Shop Pay lets you split orders over $50 into four interest-free payments.

Your card is charged when the order ships, not when you place it."""

FAQ = """Q: Can I change my order after placing it?
A: Yes, until it ships: reply to your confirmation e-mail or write to \
hello@bluebird-roasters.example and we'll change the items or the address.

Q: How do I apply a discount code?
A: Type it in the "Discount code" field at the bottom of your cart and press Apply. One code \
per order; the total updates straight away.

Q: Whole bean or ground?
A: Every coffee comes whole bean unless you pick a grind on the product page. Whole beans stay \
fresh longer.

Q: Do you offer subscriptions?
A: Yes: any coffee every 2, 3 or 4 weeks, 10% off every delivery, and you can pause or cancel \
any time."""
