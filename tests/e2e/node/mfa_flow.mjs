// An MFA account signing in through the unchanged @base44/sdk, from an app holding an
// application token: the password alone opens nothing; the challenge and a code do.
import { createClient } from '@base44/sdk';

const [serverUrl, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const report = {};

async function outcome(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, status: error.status, code: error.code, data: error.data };
  }
}

const base44 = createClient({ serverUrl, appId: config.appId, token: config.appToken });

report.publicCourses = await outcome(() => base44.entities.Course.filter({ is_published: true }));
report.passwordAlone = await outcome(() => base44.auth.loginViaEmailPassword(config.email, config.password));
report.meAfterPasswordAlone = await outcome(() => base44.auth.me());

const challenge = report.passwordAlone.data?.details?.challenge_token;
const verified = await fetch(`${serverUrl}/api/apps/${config.appId}/auth/mfa/verify`, {
  method: 'POST',
  headers: { 'Content-Type': 'application/json', 'X-App-Id': config.appId },
  body: JSON.stringify({ challenge_token: challenge, token: config.code, type: 'totp' }),
});
const session = await verified.json();
report.verify = { status: verified.status, hasToken: Boolean(session.access_token) };
base44.auth.setToken(session.access_token);
report.me = await outcome(() => base44.auth.me());

const revoked = createClient({ serverUrl, appId: config.appId, token: config.revokedAppToken });
report.revokedAppToken = await outcome(() => revoked.entities.Course.list());

console.log(JSON.stringify(report));
