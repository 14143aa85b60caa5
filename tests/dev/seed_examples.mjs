// The seed document's authentication, entity and purchase snippets, as written, through the
// unchanged @base44/sdk against `make dev`'s platform (only the SDK's own names differ:
// signUp -> register, signIn -> loginViaEmailPassword, signOut -> logout, invoke answers { data }).
// Prints one JSON report for the Python test to check.
import { pathToFileURL } from 'node:url';

const [sdkEntry, serverUrl, configJson] = process.argv.slice(2);
const { createClient } = await import(pathToFileURL(sdkEntry).href);
const config = JSON.parse(configJson);
const report = {};

async function outcome(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, status: error.status ?? error.response?.status, body: error.data ?? error.response?.data };
  }
}

const base44 = createClient({ serverUrl, appId: 'sparkacademy' });

// Authentication: Sign Up, Sign In, Get Current User.
report.signUp = await outcome(() => base44.auth.register({
  email: 'student@example.com',
  password: 'SecurePass123!',
  data: { role: 'student', full_name: 'John Doe' },
}));
report.signIn = await outcome(() => base44.auth.loginViaEmailPassword('student@example.com', 'SecurePass123!'));
report.me = await outcome(() => base44.auth.me());

// Course Entity: Get Course, List Courses.
report.getCourse = await outcome(() => base44.entities.Course.get('crs_abc123'));
report.listCourses = await outcome(() => base44.entities.Course.filter({ is_published: true, category: 'programming' }));

// Complete Course Purchase Flow, step 1: the checkout url.
report.checkout = await outcome(async () => {
  const { data: { url } } = await base44.functions.invoke('createStripeCheckout', {
    courseId: 'crs_abc123',
    successUrl: 'http://127.0.0.1:5173/success?session_id={CHECKOUT_SESSION_ID}',
    cancelUrl: 'http://127.0.0.1:5173/courses',
  });
  return url;
});

// Sign Out.
report.signOut = await outcome(async () => { base44.auth.logout(); return { success: true }; });
report.meAfterSignOut = await outcome(() => base44.auth.me());

// Progress Entity, as the student enrolled in enr_abc123.
await base44.auth.loginViaEmailPassword('student@sparkacademy.test', config.password);
report.createProgress = await outcome(() => base44.entities.Progress.create({
  enrollment_id: 'enr_abc123',
  module_id: 'mod_abc123',
  lesson_id: 'les_abc123',
  completed: true,
  completed_at: new Date(),
}));
report.getProgress = await outcome(() => base44.entities.Progress.filter({ enrollment_id: 'enr_abc123' }));

// Enrollment Entity, as the admin.
await base44.auth.loginViaEmailPassword('admin@sparkacademy.test', config.password);
report.createEnrollment = await outcome(() => base44.entities.Enrollment.create({
  course_id: 'crs_abc123',
  student_email: 'student@example.com',
  enrolled_at: new Date(),
  status: 'active',
}));
report.getEnrollments = await outcome(() => base44.entities.Enrollment.filter({ student_email: 'student@example.com' }));

// Course Entity: Create, Update, Delete, as the instructor.
await base44.auth.loginViaEmailPassword('instructor@sparkacademy.test', config.password);
const user = await base44.auth.me();
report.createCourse = await outcome(() => base44.entities.Course.create({
  title: 'React Fundamentals',
  description: 'Learn React basics',
  category: 'programming',
  level: 'beginner',
  price: 49.99,
  is_published: false,
  created_by: user.email,
}));
report.updateCourse = await outcome(() => base44.entities.Course.update('crs_abc123', { is_published: true, price: 39.99 }));
report.deleteCourse = await outcome(() => base44.entities.Course.delete('crs_abc123'));
report.getDeleted = await outcome(() => base44.entities.Course.get('crs_abc123'));

console.log(JSON.stringify(report));
