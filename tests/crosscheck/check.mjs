// Ask Shopify's own library (@shopify/shopify-api) whether values devshop produced verify.
//
// stdin: a JSON array of cases, each {"id", "kind", "apiKey", "secret", ...}:
//   kind "oauth_query":   {"query": {key: value}}            shopify.utils.validateHmac (admin)
//   kind "app_proxy":     {"query": {key: value | [values]}} shopify.utils.validateHmac (appProxy)
//   kind "webhook":       {"headers": {...}, "body": "..."}  shopify.webhooks.validate
//   kind "session_token": {"token": "..."}                   shopify.session.decodeSessionToken
// stdout: a JSON array of {"id", "valid", "reason"?, "payload"?} in the same order.
//
// Used by tests/devshop/test_crosscheck_shopify_api.py; run `npm ci` here first.
import '@shopify/shopify-api/adapters/web-api';
import {ApiVersion, LogSeverity, shopifyApi} from '@shopify/shopify-api';

const apis = new Map();

function api(apiKey, secret) {
  const key = JSON.stringify([apiKey, secret]);
  if (!apis.has(key)) {
    apis.set(
      key,
      shopifyApi({
        apiKey,
        apiSecretKey: secret,
        apiVersion: ApiVersion.July26, // the version the app pins (2026-07)
        hostName: 'app.example.com',
        isEmbeddedApp: true,
        logger: {level: LogSeverity.Error, log: () => {}},
        future: {},
      }),
    );
  }
  return apis.get(key);
}

async function check(testCase) {
  const shopify = api(testCase.apiKey, testCase.secret);
  switch (testCase.kind) {
    case 'oauth_query':
      return {valid: await shopify.utils.validateHmac(testCase.query, {signator: 'admin'})};
    case 'app_proxy':
      return {valid: await shopify.utils.validateHmac(testCase.query, {signator: 'appProxy'})};
    case 'webhook': {
      const rawRequest = new Request('https://app.example.com/webhooks', {
        method: 'POST',
        headers: testCase.headers,
        body: testCase.body,
      });
      const result = await shopify.webhooks.validate({rawBody: testCase.body, rawRequest});
      return result.valid
        ? {valid: true, payload: {topic: result.topic, domain: result.domain, webhookId: result.webhookId}}
        : {valid: false, reason: result.reason};
    }
    case 'session_token': {
      const payload = await shopify.session.decodeSessionToken(testCase.token);
      return {valid: true, payload};
    }
    default:
      throw new Error(`unknown case kind ${testCase.kind}`);
  }
}

let input = '';
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const testCase of JSON.parse(input)) {
  try {
    results.push({id: testCase.id, ...(await check(testCase))});
  } catch (error) {
    // The library signals most rejections by throwing (InvalidHmacError, InvalidJwtError…).
    results.push({id: testCase.id, valid: false, reason: `${error.name}: ${error.message}`});
  }
}
process.stdout.write(JSON.stringify(results));
