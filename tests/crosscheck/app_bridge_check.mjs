// Run devshop's App Bridge stand-in (devshop/frame/app-bridge.js) against a fake browser and
// report what it did, for tests/devshop/test_frame_app_bridge.py.
//
// argv[2]: the script's path. stdin: {"scenario": name}. stdout: JSON observations.
// The fake admin (window.parent) answers "devshop:idToken" with token-1, token-2, … and
// records every message; fetch records every request and answers from a per-URL script.
import {readFileSync} from 'node:fs';
import vm from 'node:vm';

const APP = 'https://app.example.test';
const DEVSHOP = 'http://devshop.test';

function fakeToken(n) {
  const payload = Buffer.from(JSON.stringify({exp: Math.floor(Date.now() / 1000) + 60, n})).toString('base64url');
  return `header.${payload}.token-${n}`;
}

function makeBrowser({search = '', embedded = true, answers = {}} = {}) {
  const listeners = [];
  const posted = [];
  const requests = [];
  const navigations = [];
  let tokens = 0;
  const window = {};
  const parent = {
    postMessage(message, targetOrigin) {
      posted.push({message, targetOrigin});
      let value;
      if (message.type === 'devshop:idToken') {
        tokens += 1;
        value = fakeToken(tokens);
      } else if (message.type === 'devshop:extensions') {
        value = [{handle: 'loyalty-launcher', type: 'theme_app_extension', activations: []}];
      } else {
        return;
      }
      const reply = {type: 'devshop:result', requestId: message.requestId, value};
      // A message from anyone else must be ignored: send a forged one first.
      const forged = {...reply, value: 'forged'};
      setTimeout(() => {
        listeners.forEach((fn) => fn({source: parent, origin: 'https://evil.example', data: forged}));
        listeners.forEach((fn) => fn({source: parent, origin: DEVSHOP, data: reply}));
      }, 0);
    },
  };
  Object.assign(window, {
    self: window,
    top: embedded ? parent : window,
    parent: embedded ? parent : window,
    location: {
      href: `${APP}/${search}`,
      search,
      origin: APP,
      protocol: 'https:',
      hostname: 'app.example.test',
      assign: (url) => navigations.push({assign: url}),
      replace: (url) => navigations.push({replace: url}),
    },
    addEventListener: (type, fn) => type === 'message' && listeners.push(fn),
    atob: (s) => Buffer.from(s, 'base64').toString('binary'),
    fetch: async (request) => {
      const headers = Object.fromEntries(request.headers.entries());
      requests.push({url: request.url, method: request.method, headers, body: await request.clone().text()});
      const script = answers[new URL(request.url).pathname] || [];
      const answer = script.shift() || {status: 200};
      return new Response('{}', {status: answer.status, headers: answer.headers || {}});
    },
  });
  const document = {
    currentScript: {src: `${DEVSHOP}/devshop/app-bridge.js`},
    querySelector: (selector) =>
      selector === 'meta[name="shopify-api-key"]' ? {getAttribute: () => 'devshop-client-id'} : null,
  };
  const context = vm.createContext({
    window, document, URL, URLSearchParams, Request, Headers, Response, Promise, setTimeout, clearTimeout, JSON, Object, String, Error, Buffer,
  });
  context.window.window = context.window;
  return {context, window, posted, requests, navigations};
}

function load(browser, path) {
  // Browser scripts see window's properties as globals.
  const source = readFileSync(path, 'utf8');
  const globals = `var window = this.window; var location = window.location; var fetch = window.fetch;`;
  vm.runInContext(`${globals}\n(function(){ with (window) { ${source} } }).call(this)`, browser.context);
  return browser.window.shopify;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

const scenarios = {
  async idToken(path) {
    const browser = makeBrowser();
    const shopify = load(browser, path);
    const first = await shopify.idToken();
    const second = await shopify.idToken();
    return {first, second, asked: browser.posted.filter((p) => p.message.type === 'devshop:idToken').map((p) => p.targetOrigin)};
  },
  async fetchPatch(path) {
    const browser = makeBrowser();
    load(browser, path);
    await browser.window.fetch(`${APP}/api/admin/shop`);
    await browser.window.fetch('/api/admin/program', {method: 'POST', body: '{"a":1}', headers: {'Content-Type': 'application/json'}});
    await browser.window.fetch('https://elsewhere.example/x');
    return {requests: browser.requests};
  },
  async retryOn401(path) {
    const browser = makeBrowser({
      answers: {'/api/admin/shop': [{status: 401, headers: {'X-Shopify-Retry-Invalid-Session-Request': '1'}}, {status: 200}],
                '/api/admin/other': [{status: 401}]},
    });
    load(browser, path);
    const retried = await browser.window.fetch(`${APP}/api/admin/shop`, {method: 'POST', body: 'payload'});
    const plain401 = await browser.window.fetch(`${APP}/api/admin/other`);
    return {requests: browser.requests, retriedStatus: retried.status, plainStatus: plain401.status};
  },
  async bounceReload(path) {
    const browser = makeBrowser({search: '?shop=alice-shop.myshopify.com&shopify-reload=%2F%3Fembedded%3D1%26shop%3Dalice-shop.myshopify.com'});
    load(browser, path);
    await settle();
    return {navigations: browser.navigations};
  },
  async toast(path) {
    const browser = makeBrowser();
    const shopify = load(browser, path);
    const id = shopify.toast.show('Saved', {isError: true});
    return {id, posted: browser.posted};
  },
  async outsideAdmin(path) {
    const browser = makeBrowser({embedded: false, search: '?host=YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWxpY2Utc2hvcA&shop=alice-shop.myshopify.com'});
    const shopify = load(browser, path);
    let error = null;
    try { await shopify.idToken(); } catch (e) { error = e.message; }
    return {navigations: browser.navigations, error, embedded: shopify.environment.embedded};
  },
  async extensions(path) {
    const browser = makeBrowser();
    const shopify = load(browser, path);
    const extensions = await shopify.app.extensions();
    return {asked: browser.posted.map((p) => p.message.type), extensions};
  },
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const {scenario} = JSON.parse(input);
process.stdout.write(JSON.stringify(await scenarios[scenario](process.argv[2])));
