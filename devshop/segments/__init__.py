"""Customer segments and the automatic discounts that target them (``segments.models``)."""
