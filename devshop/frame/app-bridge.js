/*
 * devshop's App Bridge stand-in. The app loads it instead of
 * https://cdn.shopify.com/shopifycloud/app-bridge.js when it runs against devshop.
 *
 * Like App Bridge v4 it defines `window.shopify` inside the admin iframe:
 *   shopify.idToken()          a session token signed by devshop for the admin's shop and staff
 *                              user (asked of the admin page, which calls devshop's endpoint)
 *   shopify.toast.show/hide    toasts shown by the admin page
 *   shopify.app.extensions()   the theme app extension's embeds (always on in devshop)
 *   shopify.config / environment / origin / ready / loading
 * and patches `fetch`: requests to the app's own origin (and its subdomains) get
 * `Authorization: Bearer <token>`, and a 401 carrying `X-Shopify-Retry-Invalid-Session-Request: 1`
 * is retried once with a fresh token. On the bounce page (`?shopify-reload=<path>`) it reloads
 * that path with a fresh `id_token`. Loaded outside the admin, it goes to the admin URL that
 * `host` names. `<ui-nav-menu>`'s links are hidden in the iframe and drawn by the admin under the
 * app's name, as Shopify's admin does; choosing one pushes its path onto the iframe's history
 * (a `popstate`), as App Bridge does. Nothing else of App Bridge is emulated.
 */
(function () {
  "use strict";
  if (window.shopify && window.shopify.__devshop) return;

  var script = document.currentScript;
  var devshopOrigin = script ? new URL(script.src, window.location.href).origin : "";
  var meta = document.querySelector('meta[name="shopify-api-key"]');
  var apiKey = meta ? meta.getAttribute("content") : "";
  var params = new URLSearchParams(window.location.search);
  var shop = params.get("shop") || "";
  var host = params.get("host") || "";
  var embedded = window.top !== window.self;

  function decodeHost(value) {
    var padded = value + "===".slice((value.length + 3) % 4);
    return window.atob(padded);
  }

  if (!embedded) {
    // App Bridge's auto-redirect: outside the admin, open the app inside it.
    if (host) {
      window.location.assign(
        devshopOrigin + "/devshop/" + decodeHost(host) + "/apps/" + encodeURIComponent(apiKey)
      );
    }
  }

  var pending = {};
  var sequence = 0;
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== devshopOrigin) return;
    var message = event.data || {};
    if (message.type !== "devshop:result" || !pending[message.requestId]) return;
    var entry = pending[message.requestId];
    delete pending[message.requestId];
    if (message.error) entry.reject(new Error(message.error));
    else entry.resolve(message.value);
  });

  function ask(type, extra) {
    return new Promise(function (resolve, reject) {
      if (!embedded) {
        reject(new Error("App Bridge stand-in: not inside the devshop admin"));
        return;
      }
      var requestId = "devshop-" + ++sequence;
      var timer = setTimeout(function () {
        delete pending[requestId];
        reject(new Error("App Bridge stand-in: the admin did not answer " + type));
      }, 10000);
      pending[requestId] = {
        resolve: function (value) { clearTimeout(timer); resolve(value); },
        reject: function (error) { clearTimeout(timer); reject(error); }
      };
      window.parent.postMessage(Object.assign({ type: type, requestId: requestId }, extra || {}), devshopOrigin);
    });
  }

  var cached = null;
  function expiresAt(token) {
    try {
      var payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(decodeHost(payload)).exp * 1000;
    } catch (error) {
      return 0;
    }
  }

  function idToken() {
    // Reuse a token while it has more than 10 s left, like App Bridge's cache.
    if (cached && expiresAt(cached) - Date.now() > 10000) return Promise.resolve(cached);
    return ask("devshop:idToken").then(function (token) {
      cached = token;
      return token;
    });
  }

  var toastSequence = 0;
  var toast = {
    show: function (message, options) {
      var opts = options || {};
      window.parent.postMessage(
        { type: "devshop:toast", message: String(message), isError: !!opts.isError, duration: opts.duration || 5000 },
        devshopOrigin || "*"
      );
      return "devshop-toast-" + ++toastSequence;
    },
    hide: function () {}
  };

  function isAppRequest(url) {
    var here = window.location;
    return url.origin === here.origin || (url.protocol === here.protocol && url.hostname.endsWith("." + here.hostname));
  }

  var originalFetch = window.fetch ? window.fetch.bind(window) : null;
  if (originalFetch) {
    window.fetch = function (input, init) {
      // Resolve relative URLs against the page, as the browser's fetch does.
      var target = typeof input === "string" || input instanceof URL ? new URL(String(input), window.location.href) : input;
      var request = new Request(target, init);
      if (!isAppRequest(new URL(request.url))) return originalFetch(request);
      var retryCopy = request.clone();
      function authorized(req) {
        if (req.headers.has("Authorization")) return Promise.resolve(req);
        return idToken().then(function (token) {
          var headers = new Headers(req.headers);
          headers.set("Authorization", "Bearer " + token);
          return new Request(req, { headers: headers });
        });
      }
      return authorized(request).then(originalFetch).then(function (response) {
        if (response.status === 401 && response.headers.get("X-Shopify-Retry-Invalid-Session-Request") === "1") {
          cached = null;
          return authorized(retryCopy).then(originalFetch);
        }
        return response;
      });
    };
  }

  var reload = params.get("shopify-reload");
  if (reload && embedded) {
    idToken().then(function (token) {
      var target = new URL(reload, window.location.origin);
      if (target.origin !== window.location.origin) return;
      target.searchParams.set("id_token", token);
      window.location.replace(target.toString());
    });
  }

  // The navigation menu: the admin draws it; the app's router follows `popstate`.
  function sendNavMenu(menu) {
    var items = Array.prototype.map.call(menu.querySelectorAll("a"), function (a) {
      return { path: a.getAttribute("href") || "/", label: a.textContent || "", home: a.getAttribute("rel") === "home" };
    });
    window.parent.postMessage({ type: "devshop:navMenu", items: items, current: window.location.pathname }, devshopOrigin);
  }
  if (embedded && typeof MutationObserver !== "undefined" && document.documentElement) {
    var style = document.createElement("style");
    style.textContent = "ui-nav-menu { display: none; }";
    document.documentElement.appendChild(style);
    var sent = "";
    new MutationObserver(function () {
      var menu = document.querySelector("ui-nav-menu");
      var signature = menu ? menu.innerHTML + window.location.pathname : "";
      if (menu && signature !== sent) {
        sent = signature;
        sendNavMenu(menu);
      }
    }).observe(document.documentElement, { childList: true, subtree: true });
    window.addEventListener("message", function (event) {
      if (event.source !== window.parent || event.origin !== devshopOrigin) return;
      var message = event.data || {};
      if (message.type !== "devshop:navigate" || typeof message.path !== "string") return;
      var target = new URL(message.path, window.location.href);
      if (target.origin !== window.location.origin) return;
      target.search = window.location.search;
      window.history.pushState({}, "", target.toString());
      window.dispatchEvent(new PopStateEvent("popstate"));
      var menu = document.querySelector("ui-nav-menu");
      if (menu) sendNavMenu(menu);
    });
  }

  window.shopify = {
    __devshop: true,
    config: { apiKey: apiKey, shop: shop, host: host, locale: params.get("locale") || "en" },
    origin: devshopOrigin,
    environment: { embedded: embedded, mobile: false, pos: false },
    ready: Promise.resolve(),
    idToken: idToken,
    toast: toast,
    loading: function () {},
    app: {
      extensions: function () {
        return ask("devshop:extensions");
      }
    }
  };
})();
