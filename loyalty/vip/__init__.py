"""The VIP club: tiers per shop, their evaluation, multipliers, entry rewards and tags."""
