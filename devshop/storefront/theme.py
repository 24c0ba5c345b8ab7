"""Rendering the demo theme with python-liquid, with the app's theme app extension embedded.

Like Shopify, the page gets every app embed block of the extensions in ``extensions/``
(``{% schema %}`` target ``body``, injected before ``</body>``; target ``head`` into the head)
rendered with ``block.settings`` at their schema defaults, and each embed's ``javascript`` /
``stylesheet`` asset linked once in ``<head>``. The schema JSON is parsed, not rendered.

The theme's own templates (``theme/*.liquid``: the layout, home, product, cart, checkout)
render with autoescaping on, so shop, product and customer text is always text; the HTML
devshop itself produced (embeds, head tags, a page's content) goes in as ``Markup``. App embeds
and app proxy Liquid render as Shopify renders them, without autoescaping.

The Liquid objects include ``app`` (``app.metafields``: the app's app-data metafields, those
written on its ``AppInstallation``), as Shopify gives them to theme app extensions.

Secondary locales are served under their prefix (``/fr/``), with ``routes.root_url`` and
``request.locale`` as Shopify sets them. Not emulated: the theme editor (embeds are always on
here, though Shopify leaves them off after install), ``enabled_on``/``disabled_on``,
``available_if``, translations (``t``).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import liquid
from django.conf import settings
from django.utils.html import escape
from markupsafe import Markup

THEME_DIR = Path(__file__).resolve().parent / "theme"
_SCHEMA = re.compile(r"{%-?\s*schema\s*-?%}(.*?){%-?\s*endschema\s*-?%}", re.DOTALL)
# Shopify's layout tag; python-liquid does not know it, so it is handled before rendering.
_LAYOUT = re.compile(r"^\s*{%-?\s*layout\s+(none|'[^']*'|\"[^\"]*\")\s*-?%}")

env = liquid.Environment()  # app embeds and app proxy answers, as Shopify renders them
theme_env = liquid.Environment(autoescape=True)  # devshop's own theme templates


def extensions_dir() -> Path:
    return Path(
        getattr(settings, "DEVSHOP_EXTENSIONS_DIR", None) or settings.BASE_DIR / "extensions"
    )


@dataclass(frozen=True)
class AppEmbed:
    extension: str  # directory name under extensions/
    handle: str  # block file name without .liquid
    template: str  # the block's Liquid, schema removed
    schema: dict[str, Any]

    @property
    def target(self) -> str:
        return self.schema.get("target", "section")

    def default_settings(self) -> dict[str, Any]:
        return {s["id"]: s.get("default") for s in self.schema.get("settings", []) if "id" in s}


@functools.cache
def _load_embeds(root: Path) -> tuple[AppEmbed, ...]:
    embeds = []
    for block in sorted(root.glob("*/blocks/*.liquid")):
        source = block.read_text()
        match = _SCHEMA.search(source)
        if match is None:
            continue
        schema = json.loads(match.group(1))
        if schema.get("target") in {"body", "head", "compliance_head"}:
            embeds.append(
                AppEmbed(
                    extension=block.parent.parent.name,
                    handle=block.stem,
                    template=_SCHEMA.sub("", source),
                    schema=schema,
                )
            )
    return tuple(embeds)


def app_embeds() -> tuple[AppEmbed, ...]:
    return _load_embeds(extensions_dir())


def asset_url(shop_domain: str, extension: str, name: str) -> str:
    return f"/store/{shop_domain}/extensions/{extension}/assets/{name}"


def _head_assets(shop_domain: str, embeds: tuple[AppEmbed, ...]) -> str:
    tags = []
    for embed in embeds:
        if name := embed.schema.get("stylesheet"):
            href = escape(asset_url(shop_domain, embed.extension, name))
            tags.append(f'<link rel="stylesheet" href="{href}">')
        if name := embed.schema.get("javascript"):
            src = escape(asset_url(shop_domain, embed.extension, name))
            tags.append(f'<script src="{src}" defer></script>')
    return "\n".join(dict.fromkeys(tags))  # each asset once, as Shopify does


def render_embeds(context: dict[str, Any], target: str) -> str:
    parts = []
    for embed in app_embeds():
        if embed.target == target:
            block = {
                "id": f"{embed.extension}-{embed.handle}",
                "settings": embed.default_settings(),
            }
            parts.append(env.from_string(embed.template).render(**context, block=block))
    return "\n".join(parts)


def _trusted(html: str) -> Markup:
    # Only for HTML devshop rendered itself (a template's output, the embeds, the head tags),
    # whose own text was escaped where it was rendered: never for request or shop data.
    return Markup(html)  # noqa: S704


def render_page(
    *,
    context: dict[str, Any],
    content_for_layout: str,
    page_title: str,
    layout: str = "theme",
) -> str:
    """The theme layout around ``content_for_layout``, with the app embeds in place.

    ``layout="checkout"`` is the checkout's own page: Shopify renders no theme, and so no app
    embed, on checkout.
    """
    shop_domain = context["shop"]["permanent_domain"]
    head = _head_assets(shop_domain, app_embeds()) + render_embeds(context, "head")
    template = theme_env.from_string((THEME_DIR / f"{layout}.liquid").read_text())
    return template.render(
        **context,
        page_title=page_title,
        content_for_header=_trusted(head if layout == "theme" else ""),
        content_for_layout=_trusted(content_for_layout),
        content_for_body_embeds=_trusted(
            render_embeds(context, "body") if layout == "theme" else ""
        ),
    )


def render_template(name: str, context: dict[str, Any]) -> str:
    return theme_env.from_string((THEME_DIR / f"{name}.liquid").read_text()).render(**context)


def render_proxy_liquid(source: str, *, context: dict[str, Any]) -> str:
    """An app proxy ``application/liquid`` answer, rendered as Shopify does.

    Inside the theme layout, unless it starts with ``{% layout none %}`` (a fragment).
    """
    match = _LAYOUT.match(source)
    body = source[match.end() :] if match else source
    rendered = env.from_string(body).render(**context)
    if match and match.group(1) == "none":
        return rendered
    return render_page(context=context, content_for_layout=rendered, page_title="")
