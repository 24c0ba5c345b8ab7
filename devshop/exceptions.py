"""devshop's errors. Services raise these; views turn them into Shopify-shaped answers."""

from __future__ import annotations


class DevshopError(Exception):
    """An action devshop refuses, with a message a developer can act on."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class OAuthError(DevshopError):
    """The token endpoint refuses: answered as ``400 {"error": code, "error_description"}``."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description, code=error)
        self.error = error
        self.status = status
