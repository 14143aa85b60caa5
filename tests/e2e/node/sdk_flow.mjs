// Drives the unchanged @base44/sdk against a running SparkAcademy emulator and
// prints one JSON report of what each call returned, for the Python test to check.
import { createClient } from '@base44/sdk';

const [serverUrl, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
const report = {};

async function outcome(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    // Entity and auth calls reject with the SDK's Base44Error; invoke rejects with the
    // raw axios error, whose response body is the envelope the application reads.
    const envelope = error.response?.data;
    if (envelope && !(error.name === 'Base44Error')) {
      return { ok: false, status: error.response.status, message: envelope.message, code: envelope.code };
    }
    return { ok: false, status: error.status, message: error.message, code: error.code };
  }
}

const anonymous = createClient({ serverUrl, appId: config.appId });
const student = createClient({ serverUrl, appId: config.appId });
const admin = createClient({ serverUrl, appId: config.appId });

report.register = await outcome(() =>
  anonymous.auth.register({ email: config.newEmail, password: config.newPassword, full_name: 'New Learner' }));
report.duplicateRegister = await outcome(() =>
  anonymous.auth.register({ email: config.newEmail, password: config.newPassword }));
report.badLogin = await outcome(() => anonymous.auth.loginViaEmailPassword(config.newEmail, 'wrong-password-1'));
report.login = await outcome(() => student.auth.loginViaEmailPassword(config.newEmail, config.newPassword));
report.me = await outcome(() => student.auth.me());
report.updateMe = await outcome(() => student.auth.updateMe({ full_name: 'Renamed Learner' }));
report.meAnonymous = await outcome(() => anonymous.auth.me());

report.publishedCourses = await outcome(() => anonymous.entities.Course.filter({ is_published: true }, 'title'));
report.cheapCourses = await outcome(() =>
  anonymous.entities.Course.filter({ price: { $gt: 0, $lt: 60 } }, '-price', 10, 0, ['title', 'price']));
report.orCourses = await outcome(() =>
  anonymous.entities.Course.filter({ $or: [{ level: 'advanced' }, { price: 0 }] }, 'title'));
report.courseCount = await outcome(() => anonymous.entities.Course.count({ is_published: true }));
report.firstPage = await outcome(() => anonymous.entities.Course.list({ sort: 'title', limit: 2 }));
if (report.firstPage.ok && report.firstPage.value.next_cursor) {
  report.secondPage = await outcome(() =>
    anonymous.entities.Course.list({ sort: 'title', limit: 2, cursor: report.firstPage.value.next_cursor }));
}
report.badQuery = await outcome(() => anonymous.entities.Course.filter({ price: { $where: 'x' } }));
report.unknownEntity = await outcome(() => anonymous.entities.Spaceship.list());

await admin.auth.loginViaEmailPassword(config.adminEmail, config.adminPassword);
report.created = await outcome(() => admin.entities.Course.create({
  title: 'SDK Course', description: 'made by the SDK', price: 0, is_published: true, level: 'beginner',
  modules: [{ title: 'One', lessons: [{ title: 'Only lesson' }] }],
}));
const courseId = report.created.ok ? report.created.value.id : 'missing';
report.updated = await outcome(() => admin.entities.Course.update(courseId, { title: 'SDK Course v2' }));
report.fetched = await outcome(() => admin.entities.Course.get(courseId));
report.bulk = await outcome(() => admin.entities.Course.bulkCreate([
  { title: 'Bulk A', is_published: false }, { title: 'Bulk B', is_published: false }]));

report.enroll = await outcome(() => student.entities.Enrollment.create({ course_id: courseId, status: 'active' }));
report.enrollAgain = await outcome(() => student.entities.Enrollment.create({ course_id: courseId }));
report.myEnrollments = await outcome(() => student.entities.Enrollment.filter({ course_id: courseId }));
report.studentCreatesCourse = await outcome(() => student.entities.Course.create({ title: 'Nope' }));

report.invokeAdmin = await outcome(async () =>
  (await admin.functions.invoke('listPaidUsers', { page: 1, limit: 10 })).data);
report.invokeStudent = await outcome(() => student.functions.invoke('listPaidUsers', { page: 1 }));
report.invokeBadType = await outcome(() => admin.functions.invoke('listPaidUsers', { page: 'one' }));
report.invokeUnknown = await outcome(() => admin.functions.invoke('noSuchFunction', {}));

report.deleted = await outcome(() => admin.entities.Course.delete(courseId));
report.getDeleted = await outcome(() => admin.entities.Course.get(courseId));

process.stdout.write(JSON.stringify(report));
