// The seed's "Complete Course Purchase Flow", driven through the unchanged @base44/sdk:
// checkout, payment on the (simulated) hosted page, verification, enrollment, the
// course read as enrolled. Prints one JSON report for the Python test to check.
import { pathToFileURL } from 'node:url';

const [sdkEntry, serverUrl, configJson] = process.argv.slice(2);
const { createClient } = await import(pathToFileURL(sdkEntry).href);
const config = JSON.parse(configJson);
const report = {};

async function outcome(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    // Entity calls reject with a Base44Error; function calls with axios's error (body in response.data).
    return { ok: false, status: error.status, body: error.data ?? error.response?.data };
  }
}

const base44 = createClient({ serverUrl, appId: config.appId });
await base44.auth.loginViaEmailPassword(config.email, config.password);

// 1. Create checkout session
report.checkout = await outcome(async () => (await base44.functions.invoke('createStripeCheckout', {
  courseId: config.courseId,
  successUrl: 'http://127.0.0.1:5173/success?session_id={CHECKOUT_SESSION_ID}',
  cancelUrl: 'http://127.0.0.1:5173/courses',
})).data);

// Verifying before paying is refused.
const sessionId = report.checkout.ok ? report.checkout.value.sessionId : 'cs_missing';
report.verifyUnpaid = await outcome(() => base44.functions.invoke('verifyStripeSession', { sessionId }));

// 2. "Redirect to Stripe": the hosted page takes the card (the test Stripe server's control).
const paid = await fetch(`${config.stripeUrl}/_config/test/checkout/sessions/${sessionId}/complete`, { method: 'POST' });
report.paymentStatus = paid.status;

// 3. On the success page, verify the payment.
report.verify = await outcome(async () => (await base44.functions.invoke('verifyStripeSession', { sessionId })).data);
report.verifyAgain = await outcome(async () => (await base44.functions.invoke('verifyStripeSession', { sessionId })).data);

// 4. The course, read as an enrolled student.
const courseId = report.verify.ok && report.verify.value.enrollment ? report.verify.value.enrollment.course_id : 'missing';
report.course = await outcome(() => base44.entities.Course.get(courseId));
report.myEnrollments = await outcome(() => base44.entities.Enrollment.filter({ course_id: courseId }));
report.myPurchases = await outcome(() => base44.entities.Purchase.list());
report.checkoutAgain = await outcome(() => base44.functions.invoke('createStripeCheckout', {
  courseId: config.courseId, successUrl: 'http://127.0.0.1:5173/s', cancelUrl: 'http://127.0.0.1:5173/c',
}));

process.stdout.write(JSON.stringify(report));
