"""The checkout chat (spec §6): settings, the company's policies, answerers and the inbox."""
