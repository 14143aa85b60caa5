// A real OpenID Connect provider on 127.0.0.1 for the SSO connection tests.
// Usage: node oidc_server.mjs CERT_PEM KEY_PEM [ISSUER_PATH]; prints the issuer URL once listening.
import { readFileSync } from "node:fs";
import https from "node:https";
import Provider from "oidc-provider";

const [cert, key, issuerPath = ""] = process.argv.slice(2);
let handle = (_req, res) => res.writeHead(503).end();
const server = https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => handle(req, res));
server.listen(0, "127.0.0.1", () => {
  const issuer = `https://127.0.0.1:${server.address().port}${issuerPath}`;
  const provider = new Provider(issuer, {
    clients: [{ client_id: "sparkacademy", client_secret: "test-secret", redirect_uris: ["https://app.example/cb"] }],
  });
  const app = provider.callback();
  if (issuerPath) {
    handle = (req, res) => {
      if (!req.url.startsWith(issuerPath)) return res.writeHead(404).end();
      req.url = req.url.slice(issuerPath.length) || "/";
      return app(req, res);
    };
  } else {
    handle = app;
  }
  console.log(issuer);
});
